import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../config/config';
import { openDatabase } from '../../db/open-database';
import { createLogger } from '../../lib/logger';
import { importProductsCsv } from './products.service';

/**
 * `node server/dist/components/products/import-products.js <file.csv>`: imports a product CSV into
 * the configured database (as an administrator), prints the report and exits 1 if any row failed.
 */
async function main(argv: string[]): Promise<number> {
  const file = argv[0];
  if (!file || argv.length > 1) {
    console.error('Usage: node server/dist/components/products/import-products.js <file.csv>');
    return 2;
  }
  const text = await readFile(file, 'utf8');
  const config = loadConfig();
  const database = await openDatabase(config, createLogger(config.LOG_LEVEL));
  try {
    const report = await importProductsCsv(text);
    console.log(`新增 ${report.imported}，更新 ${report.updated}，未变 ${report.unchanged}，出错 ${report.errors.length}`);
    for (const error of report.errors) console.log(`  第 ${error.line} 行：${error.message}`);
    return report.errors.length > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
