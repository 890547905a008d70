// A callback-style handler (Node.js 20 and 22 still support them). By default Lambda waits for
// the event loop to drain before sending the result, so the timer below runs first.
exports.handler = (event, context, callback) => {
  setTimeout(() => console.log('timer finished before the response went out'), 100);
  callback(null, { items: event.items.map((item) => item.toUpperCase()), remainingMs: context.getRemainingTimeInMillis() });
};
