import type { Logger } from '../ports/logger.js';

export interface DownloadProgress {
  file: string;
  loaded: number;
  total: number;
}

/** Logs model download progress at most every 10 percent per file, so a first start is not silent. */
export function createDownloadProgressLogger(logger: Logger): (progress: DownloadProgress) => void {
  const lastDecile = new Map<string, number>();
  return ({ file, loaded, total }) => {
    if (!total) return;
    const decile = Math.floor((loaded / total) * 10);
    if ((lastDecile.get(file) ?? -1) >= decile) return;
    lastDecile.set(file, decile);
    logger.info('downloading embedding model', {
      file,
      percent: Math.min(100, decile * 10),
      megabytes: Math.round(total / 1e5) / 10,
    });
  };
}
