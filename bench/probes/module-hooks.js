// Module customization hooks (run on Node's loader thread): each loaded URL is
// appended to the file the preload named, synchronously, so that none is lost
// when the process exits.
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
