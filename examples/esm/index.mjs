// An ES module handler with top-level await: the await runs during Init, as on AWS.
const config = await Promise.resolve({ greeting: 'Bonjour' });

export const handler = async (event) => ({ message: `${config.greeting}, ${event.name}!`, runtime: process.env.AWS_EXECUTION_ENV });
