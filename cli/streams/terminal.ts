// The local terminal of `orch exec -t` / `orch attach -t` / `orch run -t`: raw mode while
// the session runs (keystrokes go to the remote terminal as typed, Ctrl-C included), put
// back however the session ends, and its size now and on every SIGWINCH.

import type { TerminalSizeSource } from '../../client/remote-command.js';

export interface LocalTerminal {
  size: TerminalSizeSource;
  restore(): void;
}

/** undefined when stdin is not a terminal (kubectl then goes on without a tty, and says so). */
export function openLocalTerminal(stdin: NodeJS.ReadStream = process.stdin, stdout: NodeJS.WriteStream = process.stdout): LocalTerminal | undefined {
  if (!stdin.isTTY) return undefined;
  stdin.setRawMode(true);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdin.setRawMode(false);
  };
  // An exit before the session's end (an error, a signal) must not leave the shell raw.
  process.once('exit', restore);
  return {
    size: {
      current: () => (stdout.isTTY && stdout.columns && stdout.rows ? { width: stdout.columns, height: stdout.rows } : undefined),
      onChange: (cb) => {
        // Node turns SIGWINCH into 'resize' on a TTY stdout.
        stdout.on('resize', cb);
        return () => stdout.off('resize', cb);
      },
    },
    restore,
  };
}
