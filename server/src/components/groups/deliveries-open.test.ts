import { Types } from 'mongoose';
import { useTestDatabase } from '../../testing/test-database';
import { DeliveryService } from './deliveries.service';
import { GroupDeliveryModel } from './groups.model';

useTestDatabase();
jest.setTimeout(60_000);

describe('deliveries stored before `open` existed', () => {
  it('are given it from their ack on the first poll: the unacknowledged one is offered, the acknowledged one is not', async () => {
    const groupId = new Types.ObjectId();
    const at = new Date(Date.now() - 60_000);
    // Written as an older server wrote them: no `open` field.
    await GroupDeliveryModel.collection.insertMany([
      { _id: 'legacy-pending' as never, groupId, roomId: 'legacy@chatroom', kind: 'greeting', text: '欢迎', mentionWxids: [], toWxid: null, broadcastId: null, dueAt: at, createdAt: at, ackStatus: null },
      { _id: 'legacy-sent' as never, groupId, roomId: 'legacy@chatroom', kind: 'greeting', text: '欢迎', mentionWxids: [], toWxid: null, broadcastId: null, dueAt: at, createdAt: at, ackStatus: 'sent' },
    ]);
    const deliveries = new DeliveryService();
    expect((await deliveries.pending(50)).map((delivery) => delivery.id)).toEqual(['legacy-pending']);
    expect(Object.fromEntries((await GroupDeliveryModel.find({}, { open: 1 }).lean()).map((doc) => [doc._id, doc.open]))).toEqual({ 'legacy-pending': true, 'legacy-sent': false });

    // Acknowledged, it closes and is not offered again.
    await deliveries.acknowledge('legacy-pending', 'sent', new Date());
    expect(await deliveries.pending(50)).toEqual([]);
    expect((await GroupDeliveryModel.findById('legacy-pending').lean())?.open).toBe(false);
  });
});
