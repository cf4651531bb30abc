import type { Contact, Room, Wechaty, WechatyPlugin } from 'wechaty';
import { inQuietHours } from '@o2o/shared/rules/group-settings';
import type { DeliveryAttachment, GroupDelivery } from '@o2o/shared/schemas/groups';
import { FileBox } from 'file-box';
import { eventId, isLoggedIn, selfIdOf, type BotRuntime } from '../runtime';
import { ServerUnavailableError } from '../server-client/bot-api';

/**
 * A broadcast's image (an uploaded one is a path on the server) or mini-program card. The card
 * opens this mini-program (`BOT_MINIPROGRAM_APPID`); without one configured it goes as its title
 * and page in words, so residents still learn of it.
 */
function attachmentOf(bot: Wechaty, attachment: DeliveryAttachment, config: { serverUrl: string; miniProgramAppId: string | null }) {
  if (attachment.type === 'image') return FileBox.fromUrl(new URL(attachment.url, `${config.serverUrl}/`).toString());
  if (!config.miniProgramAppId) return `【小程序】${attachment.title}（在小程序中打开：${attachment.pagePath}）`;
  return new bot.MiniProgram({ appid: config.miniProgramAppId, title: attachment.title, pagePath: attachment.pagePath, description: attachment.title });
}

/**
 * Sends greetings, broadcasts and ticket messages (notices to staff, answers to residents, in the
 * room or privately) the server has due, each exactly once, through the one paced
 * queue. The journal records a delivery before it is sent; its ack goes through the durable
 * outbox. After a restart, a delivery the journal knows is acknowledged again, never re-sent.
 * Quiet hours and a paused group hold deliveries until later.
 */
export function DeliveriesPlugin(runtime: BotRuntime, registerPoller: (poll: () => Promise<void>) => void): WechatyPlugin {
  return (bot: Wechaty) => {
    const inFlight = new Set<string>();

    const acknowledge = (delivery: GroupDelivery, status: 'sent' | 'failed' | 'uncertain') => {
      runtime.outbox.add({ id: eventId('ack'), kind: 'delivery_ack', at: new Date(runtime.clock.now()).toISOString(), deliveryId: delivery.id, status });
      void runtime.outbox.flush();
    };

    const deliver = async (delivery: GroupDelivery): Promise<void> => {
      const known = runtime.journal.state(delivery.id);
      if (known === 'sent' || known === 'sending') {
        acknowledge(delivery, known === 'sent' ? 'sent' : 'uncertain');
        return;
      }
      const context = await runtime.directory.get(delivery.roomId);
      // Someone waits for a ticket's notice or answer, or must open a group now: quiet hours do not hold those.
      const waitedFor = delivery.kind === 'ticket_notice' || delivery.kind === 'ticket_answer' || delivery.kind === 'staff_alert';
      if (!context?.bound) return;
      if (!delivery.toWxid && context.settings.paused) return;
      if (!waitedFor && inQuietHours(context.settings.quietHours, new Date(runtime.clock.now()))) return;
      const target = delivery.toWxid
        ? await bot.Contact.find({ id: delivery.toWxid }).catch(() => undefined)
        : await bot.Room.find({ id: delivery.roomId }).catch(() => undefined);
      if (!target) return;
      const mentions = delivery.toWxid
        ? []
        : (await Promise.all(delivery.mentionWxids.map((id) => bot.Contact.find({ id }).catch(() => undefined)))).filter((contact): contact is Contact => Boolean(contact));
      inFlight.add(delivery.id);
      let takenByOther = false;
      try {
        await runtime.queue.enqueue(target.id, async () => {
          // Checked again at the moment of sending: another poll may have sent it meanwhile.
          const state = runtime.journal.state(delivery.id);
          if (state === 'sent' || state === 'sending') return;
          // Taken on the server just before saying it: across a takeover no other account says it too.
          const accountId = selfIdOf(bot);
          if (runtime.account.down || !accountId) throw new Error('the account is down');
          // With the server away no takeover can be decided either: the delivery stays this account's, as it was given.
          const claimed = await runtime.api.claimDelivery(delivery.id, accountId).catch((error: unknown) => {
            if (error instanceof ServerUnavailableError) return true;
            throw error;
          });
          if (!claimed) {
            takenByOther = true;
            return;
          }
          runtime.journal.mark(delivery.id, 'sending', runtime.clock.now());
          try {
            if (delivery.text) {
              if (delivery.toWxid) await (target as Contact).say(delivery.text);
              else await (target as Room).say(delivery.text, ...mentions);
            }
            if (delivery.attachment) await target.say(attachmentOf(bot, delivery.attachment, runtime.config));
          } catch (error) {
            runtime.journal.mark(delivery.id, 'failed', runtime.clock.now());
            // WeChat refused it: give it back so that it stays due (for this account or a standby).
            await runtime.api.releaseDelivery(delivery.id, accountId).catch(() => undefined);
            throw error;
          }
          runtime.journal.mark(delivery.id, 'sent', runtime.clock.now());
        }, { type: delivery.text.startsWith('@所有人') ? 'mention_all' : 'text' });
        if (!takenByOther) acknowledge(delivery, 'sent');
      } catch (error) {
        runtime.log.warn('delivery not sent; it stays due', { deliveryId: delivery.id, err: error });
      } finally {
        inFlight.delete(delivery.id);
      }
    };

    let polling: Promise<void> | null = null;
    let again = false;
    /** One look at due deliveries; a call during a look asks for one more and shares its promise. */
    const poll = (): Promise<void> => {
      if (!isLoggedIn(bot)) return Promise.resolve();
      if (polling) {
        again = true;
        return polling;
      }
      polling = (async () => {
        do {
          again = false;
          try {
            await runtime.outbox.flush();
            const due = runtime.account.down ? [] : await runtime.api.pendingDeliveries(50, selfIdOf(bot));
            await Promise.all(due.filter((delivery) => !inFlight.has(delivery.id)).map(deliver));
          } catch (error) {
            if (!(error instanceof ServerUnavailableError)) runtime.log.error('polling deliveries failed', { err: error });
          }
        } while (again);
      })().finally(() => {
        polling = null;
      });
      return polling;
    };
    registerPoller(poll);

    const onLogin = () => void poll();
    bot.on('login', onLogin);
    const timer = setInterval(() => void poll(), runtime.config.deliveryPollIntervalMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      bot.off('login', onLogin);
    };
  };
}
