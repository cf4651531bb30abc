import jsQR from 'jsqr';
import sharp from 'sharp';

/** Stored images are at most MEDIA_MAX_IMAGE_SIDE; a QR code stays readable at this size and decoding stays fast. */
const DECODE_SIDE = 800;

/**
 * Whether an image holds a QR code. The groups' moderation (the bot) decodes QR codes with jsQR
 * (through file-box's `toQRCode`); this is the same decoder on the stored, re-encoded image.
 * A failure to decode means no code, as in the groups.
 */
export async function decodesQrCode(image: Buffer): Promise<boolean> {
  try {
    const { data, info } = await sharp(image)
      .resize({ width: DECODE_SIDE, height: DECODE_SIDE, fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const found = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height);
    return Boolean(found && found.data.length > 0);
  } catch {
    return false;
  }
}
