/** The @ragline/eval version recorded in every run (kept equal to package.json by a test). */
export const LIBRARY_VERSION = '0.1.0';
