import request from 'supertest';
import { seedDemoData } from '../../seed/demo-data';
import { createTestApp, testServices } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { QrCodeModel, TouchModel } from './acquisition.model';

useTestDatabase();
const app = createTestApp();
let scene: string;

beforeAll(async () => {
  await seedDemoData();
  const code = (await QrCodeModel.findOne({ type: 'brand' }).lean())!;
  scene = testServices().signer.sign('code', code.shortId);
});

describe('POST /scans without a login', () => {
  it('stores one touch per device, scene and 10 minutes, however often it is sent', async () => {
    const scan = (body: Record<string, unknown>) => request(app).post('/scans').send(body);
    const first = await scan({ scene, deviceId: 'device-repeat-1' });
    expect(first.status).toBe(200);
    const repeats = await Promise.all(Array.from({ length: 5 }, () => scan({ scene, deviceId: 'device-repeat-1' })));
    expect(new Set(repeats.map((response) => response.body.touchId))).toEqual(new Set([first.body.touchId]));
    expect(await TouchModel.countDocuments({ deviceId: 'device-repeat-1' })).toBe(1);

    // Without a device id the client address stands in; another device or scene is another touch.
    await scan({ scene });
    await scan({ scene });
    expect(await TouchModel.countDocuments({ deviceId: null, scene })).toBe(1);
    await scan({ scene, deviceId: 'device-repeat-2' });
    expect(await TouchModel.countDocuments({ scene })).toBe(3);
  });
});
