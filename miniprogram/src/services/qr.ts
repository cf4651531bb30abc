import qrcode from 'qrcode-generator';

export interface QrMatrix {
  size: number;
  isDark: (row: number, column: number) => boolean;
}

/** The modules of a QR code for `text` (ASCII: links and codes), error correction M. */
export function qrMatrix(text: string): QrMatrix {
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  return { size: code.getModuleCount(), isDark: (row, column) => code.isDark(row, column) };
}

/**
 * A QR code as a GIF data URL, built in plain JavaScript (no canvas, no DOM), so the same
 * <Image> shows it in WeChat and in H5. `cellSize` pixels per module, a 4-module quiet zone.
 */
export function qrDataUrl(text: string, cellSize = 8): string {
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  return code.createDataURL(cellSize, cellSize * 4);
}
