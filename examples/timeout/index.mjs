// Takes longer than its timeout: run with `-t 1` and emu kills the sandbox at the deadline
// with AWS's Sandbox.Timedout error ("Task timed out after 1.00 seconds").
export const handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, (event.seconds ?? 5) * 1000));
  return 'finished (the timeout was long enough)';
};
