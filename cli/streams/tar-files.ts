// Local files to and from a tar stream for `orch cp` (tar-stream): packing a file or a
// directory tree under a chosen top name, and unpacking under a destination while refusing
// entries that would land outside it. Only regular files and directories travel; other
// kinds are skipped with a warning, as kubectl skips links.

import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/** Packs `src` (file or directory) with entry names under `top` into `pack`, then finalizes. */
export async function packLocal(src: string, top: string, pack: tar.Pack, warn: (t: string) => void): Promise<void> {
  const add = async (file: string, name: string): Promise<void> => {
    const st = await fs.promises.lstat(file);
    if (st.isDirectory()) {
      await new Promise<void>((res, rej) => pack.entry({ name: `${name}/`, type: 'directory', mode: st.mode & 0o7777, mtime: st.mtime }, (e) => (e ? rej(e) : res())));
      for (const child of (await fs.promises.readdir(file)).sort()) await add(path.join(file, child), `${name}/${child}`);
    } else if (st.isFile()) {
      const entry = pack.entry({ name, type: 'file', size: st.size, mode: st.mode & 0o7777, mtime: st.mtime });
      await pipeline(fs.createReadStream(file), entry);
    } else warn(`skipping ${file}: not a regular file or directory`);
  };
  await add(src, top);
  pack.finalize();
}

/**
 * Unpacks a tar stream whose entries start with `top` (the remote source's base name):
 * `top` itself becomes `dest`, `top/x` becomes `dest/x`. Resolves with the number of entries written.
 */
export function unpackLocal(src: NodeJS.ReadableStream, top: string, dest: string, warn: (t: string) => void): Promise<number> {
  const root = path.resolve(dest);
  const extract = tar.extract();
  let written = 0;
  extract.on('entry', (h, stream, next) => {
    const name = h.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    const rel = name === top ? '' : name.startsWith(`${top}/`) ? name.slice(top.length + 1) : undefined;
    const target = rel === undefined ? undefined : path.resolve(root, rel);
    const skip = (why: string) => {
      warn(`skipping ${h.name}: ${why}`);
      stream.resume();
      stream.on('end', () => next());
    };
    if (target === undefined || (target !== root && !target.startsWith(`${root}${path.sep}`))) return skip('outside the copied path');
    if (h.type === 'directory') {
      fs.mkdirSync(target, { recursive: true });
      written++;
      stream.resume();
      stream.on('end', () => next());
      return;
    }
    if (h.type !== 'file' && h.type !== 'contiguous-file') return skip('not a regular file or directory');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    pipeline(stream, fs.createWriteStream(target, { mode: (h.mode ?? 0o644) & 0o777 }))
      .then(() => {
        written++;
        next();
      })
      .catch((err: Error) => next(err));
  });
  return pipeline(src, extract).then(() => written);
}
