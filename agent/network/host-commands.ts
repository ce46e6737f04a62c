// Moved to foundation/ (the service proxy runs the same tools); re-exported for the agent's imports.
export * from '../../foundation/host-commands.js';
