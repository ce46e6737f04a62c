// Go-style durations for flags: the parser lives with the process plumbing in client/
// (the apiserver's --event-ttl uses it too; components do not import the CLI).
export { parseDuration } from '../client/duration.js';
