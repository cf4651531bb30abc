import { randomUUID } from 'node:crypto';
import type { Contact, Room, Wechaty } from 'wechaty';
import type { BotGroupContext } from '@o2o/shared/schemas/groups';
import type { Clock } from './clock';
import type { BotConfig } from './config';
import type { GroupDirectory } from './group-directory';
import type { Incoming } from './incoming';
import type { Logger } from './logger';
import type { SendQueue } from './sending/send-queue';
import type { BotApi } from './server-client/bot-api';
import type { DeliveryJournal } from './server-client/delivery-journal';
import type { Outbox } from './server-client/outbox';

/** A message on its way through the plugins, with its room's context once loaded. */
export interface Turn extends Incoming {
  context: BotGroupContext | null;
  /** The talker is staff of the room's store (bound staff, the group owner or an admin). */
  isStaff: boolean;
}

export type Verdict = 'handled' | 'continue';
export type TurnHandler = (turn: Turn) => Promise<Verdict>;

/** The stages a message passes through, in order; the first that handles it ends its way. */
export const STAGES = {
  activity: 10,
  binding: 20,
  staffCommands: 30,
  gate: 40,
  moderation: 50,
  checkin: 60,
  privateQueries: 65,
  complaints: 68,
  answers: 70,
  handoff: 80,
} as const;

/** A message the bot has finished with: which handler took it (null: none; `ignored`: never a turn). */
export interface TurnSettled {
  messageId: string;
  talkerId: string;
  roomId: string | null;
  text: string;
  handledBy: string | null;
}

export class MessagePipeline {
  private readonly handlers: { stage: number; name: string; handler: TurnHandler }[] = [];
  private readonly settledListeners = new Set<(settled: TurnSettled) => void>();

  /**
   * Called once per received message after every handler ran (replies are queued by then). Tests
   * wait on it to know the bot has handled a message before asserting what it did or did not say.
   */
  onSettled(listener: (settled: TurnSettled) => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  settled(settled: TurnSettled): void {
    for (const listener of this.settledListeners) {
      try {
        listener(settled);
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  add(stage: number, name: string, handler: TurnHandler): () => void {
    const entry = { stage, name, handler };
    this.handlers.push(entry);
    this.handlers.sort((a, b) => a.stage - b.stage);
    return () => {
      const index = this.handlers.indexOf(entry);
      if (index >= 0) this.handlers.splice(index, 1);
    };
  }

  /** Runs the handlers in stage order; returns the name of the one that handled the turn, or null. */
  async run(turn: Turn, log: Logger): Promise<string | null> {
    for (const { name, handler } of this.handlers) {
      try {
        if ((await handler(turn)) === 'handled') return name;
      } catch (error) {
        log.error('a message handler failed; the message goes on to the next', { handler: name, messageId: turn.id, err: error });
      }
    }
    return null;
  }
}

/** The account's standing with the server (see plugins/account.ts). */
export interface AccountState {
  /** Reported logged out or restricted: the account does nothing more until it logs in again. */
  down: boolean;
  /** The rooms the server said this account runs (null before the first heartbeat answered). */
  assignedRoomIds: Set<string> | null;
  /** Tells the server now that the account is up and which rooms it is in. */
  heartbeat(): Promise<void>;
  listeners: Set<(status: 'logged_out' | 'restricted') => void>;
}

/** Whether this account runs the room: the one the server assigned, or (nobody assigned) any account that is not a standby. */
export function runsRoom(runtime: BotRuntime, selfId: string | undefined, context: BotGroupContext | null): boolean {
  if (runtime.account.down) return false;
  const assigned = context?.accountId ?? null;
  return assigned ? assigned === selfId : !runtime.config.standby;
}

/** Everything the plugins share: one server client, one outbox, one outgoing queue, one clock. */
export interface BotRuntime {
  account: AccountState;
  config: BotConfig;
  api: BotApi;
  outbox: Outbox;
  journal: DeliveryJournal;
  queue: SendQueue;
  directory: GroupDirectory;
  clock: Clock;
  log: Logger;
  pipeline: MessagePipeline;
  /** Asks the delivery poller to look now (after a greeting or an announcement was queued); resolves when that look is done. */
  pollDeliveries(): Promise<void>;
  /** Asks the member reconciler to look at one room now (after it was bound); resolves when the server has the list. */
  reconcileRoom(room: Room): Promise<void>;
  /** Called after each member observation (a list, a join, a leave) reached the server or the outbox. */
  onMembersSynced(listener: (roomId: string) => void): () => void;
  membersSynced(roomId: string): void;
}

export function eventId(prefix: string): string {
  return `${prefix}:${randomUUID()}`;
}

/** An answer or a warning that cannot go out within this long is dropped: late replies only confuse. */
export const REPLY_MAX_WAIT_MS = 5 * 60_000;

/** Says something in a room through the paced queue; resolves when sent. */
export function sayInRoom(runtime: BotRuntime, room: Room, text: string, mention: Contact[] = []): Promise<void> {
  return runtime.queue.enqueue(room.id, async () => {
    await room.say(text, ...mention);
  }, { maxWaitMs: REPLY_MAX_WAIT_MS });
}

export function sayToContact(runtime: BotRuntime, contact: Contact, text: string): Promise<void> {
  return runtime.queue.enqueue(contact.id, async () => {
    await contact.say(text);
  }, { maxWaitMs: REPLY_MAX_WAIT_MS });
}

/** Replies where the message came from: in the room (mentioning the talker) or privately. */
export function reply(runtime: BotRuntime, turn: Turn, text: string): Promise<void> {
  return turn.room ? sayInRoom(runtime, turn.room, text, [turn.talker]) : sayToContact(runtime, turn.talker, text);
}

/** Fire-and-forget for handlers: a failed send is logged, never thrown into the message path. */
export function replyLater(runtime: BotRuntime, turn: Turn, text: string): void {
  reply(runtime, turn, text).catch((error: unknown) => runtime.log.warn('reply not sent', { err: error }));
}

/** The id of the logged-in account, or undefined (Wechaty throws when asked before login). */
export function selfIdOf(bot: Wechaty): string | undefined {
  try {
    return isLoggedIn(bot) ? bot.currentUser.id : undefined;
  } catch {
    return undefined;
  }
}

/** Wechaty throws when asked before its puppet is set; that means no. */
export function isLoggedIn(bot: Wechaty): boolean {
  try {
    return bot.isLoggedIn;
  } catch {
    return false;
  }
}
