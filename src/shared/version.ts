import pkg from '../../package.json' with { type: 'json' };

/** package.json's version; the bundle inlines it (no file is read at start). */
export const VERSION: string = pkg.version;
