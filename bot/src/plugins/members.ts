import type { Contact, Room, Wechaty, WechatyPlugin } from 'wechaty';
import type { MemberSync } from '@o2o/shared/schemas/groups';
import { eventId, selfIdOf, type BotRuntime } from '../runtime';
import { ServerUnavailableError } from '../server-client/bot-api';

/**
 * Tells the server who is in each room: joins and leaves as WeChat reports them, and the full
 * member list periodically, because joins by QR code are often never reported. The server decides
 * who is new and queues one greeting per newcomer; the delivery plugin sends it.
 */
export function MembersPlugin(runtime: BotRuntime, registerReconciler: (reconcile: (room: Room) => Promise<void>) => void): WechatyPlugin {
  return (bot: Wechaty) => {
    const selfId = () => selfIdOf(bot);
    const described = async (contacts: Contact[]) =>
      Promise.all(contacts.filter((contact) => contact.id !== selfId()).map(async (contact) => ({ wxid: contact.id, name: (await Promise.resolve(contact.name()).catch(() => '')) ?? '' })));

    const send = async (sync: MemberSync): Promise<void> => {
      try {
        const result = await runtime.api.syncMembers(sync);
        if (result.greetingsQueued > 0) await runtime.pollDeliveries();
      } catch (error) {
        if (!(error instanceof ServerUnavailableError)) throw error;
        runtime.outbox.add({ id: eventId('members'), kind: 'member_sync', at: new Date(runtime.clock.now()).toISOString(), sync });
      } finally {
        runtime.membersSynced(sync.roomId);
      }
    };

    const reconcile = async (room: Room): Promise<void> => {
      try {
        await room.sync().catch(() => undefined);
        const members = await described(await room.memberAll());
        await send({ roomId: room.id, topic: await room.topic().catch(() => null), members, complete: true, joined: [], left: [], observedAt: new Date(runtime.clock.now()).toISOString() });
      } catch (error) {
        runtime.log.warn('member reconciliation failed', { roomId: room.id, err: error });
      }
    };

    let running: Promise<void> | null = null;
    const reconcileAll = (): Promise<void> => {
      running ??= (async () => {
        const rooms = await bot.Room.findAll().catch(() => [] as Room[]);
        for (const room of rooms) {
          const context = await runtime.directory.get(room.id);
          if (context?.bound) await reconcile(room);
        }
      })().finally(() => {
        running = null;
      });
      return running;
    };
    registerReconciler((room) => reconcile(room));

    const onJoin = async (room: Room, invitees: Contact[]) => {
      try {
        const joined = await described(invitees);
        if (joined.length === 0) return;
        await send({ roomId: room.id, topic: await room.topic().catch(() => null), members: [], complete: false, joined, left: [], observedAt: new Date(runtime.clock.now()).toISOString() });
      } catch (error) {
        runtime.log.warn('recording a join failed', { roomId: room.id, err: error });
      }
    };
    const onLeave = async (room: Room, leavers: Contact[]) => {
      try {
        const left = leavers.map((contact) => contact.id).filter((id) => id !== selfId());
        if (left.length === 0) return;
        await send({ roomId: room.id, topic: await room.topic().catch(() => null), members: [], complete: false, joined: [], left, observedAt: new Date(runtime.clock.now()).toISOString() });
      } catch (error) {
        runtime.log.warn('recording a leave failed', { roomId: room.id, err: error });
      }
    };
    const onLogin = () => void reconcileAll();

    bot.on('room-join', onJoin as never);
    bot.on('room-leave', onLeave as never);
    bot.on('login', onLogin);
    const timer = setInterval(() => void reconcileAll(), runtime.config.memberSyncIntervalMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      bot.off('room-join', onJoin as never);
      bot.off('room-leave', onLeave as never);
      bot.off('login', onLogin);
    };
  };
}
