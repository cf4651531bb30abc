import type { Room, Wechaty, WechatyPlugin } from 'wechaty';
import { parseCommand, STAFF_COMMANDS, type Command } from '../matchers/commands';
import { STAGES, replyLater, type BotRuntime, type Turn } from '../runtime';
import { ServerRejectedError, ServerUnavailableError } from '../server-client/bot-api';
import { STAFF_HELP, statsReply } from '../talkers/replies';
import { roomManagers } from './message-pipeline';

/**
 * Staff commands, in a group or privately: publish an announcement, add or remove an FAQ entry,
 * post today's offer, show today's group stats, pause or resume the bot. The server checks that
 * the speaker is bound staff of the group's store; privately, a command applies to every bound
 * group the staff member shares with the bot.
 */
export function StaffCommandsPlugin(runtime: BotRuntime): WechatyPlugin {
  const execute = async (command: Command, roomId: string, byWxid: string): Promise<string> => {
    const actor = { roomId, byWxid };
    switch (command.kind) {
      case 'announce': {
        const { message } = await runtime.api.announce({ ...actor, text: command.text });
        void runtime.pollDeliveries();
        return message;
      }
      case 'faq_add':
        return (await runtime.api.addFaq({ ...actor, questions: command.questions, answer: command.answer })).message;
      case 'faq_remove':
        return (await runtime.api.removeFaq({ ...actor, question: command.question })).message;
      case 'offer':
        return (await runtime.api.postOffer({ ...actor, text: command.text })).message;
      case 'stats':
        return statsReply(await runtime.api.stats(actor));
      case 'pause':
      case 'resume':
        return (await runtime.api.pause({ ...actor, paused: command.kind === 'pause' })).message;
      default:
        return STAFF_HELP;
    }
  };

  const run = async (command: Command, roomId: string, byWxid: string): Promise<string> => {
    try {
      const message = await execute(command, roomId, byWxid);
      runtime.directory.invalidate(roomId);
      return message;
    } catch (error) {
      if (error instanceof ServerRejectedError) return error.message;
      if (error instanceof ServerUnavailableError) return '系统暂时连不上，请稍后再试。';
      throw error;
    }
  };

  return (bot: Wechaty) =>
    runtime.pipeline.add(STAGES.staffCommands, 'staff-commands', async (turn: Turn) => {
      if (turn.kind !== 'text') return 'continue';
      const command = parseCommand(turn.text);
      if (!command || !STAFF_COMMANDS.has(command.kind)) return 'continue';
      if (turn.room) {
        if (!turn.isStaff || !turn.context?.bound) return 'continue';
        replyLater(runtime, turn, await run(command, turn.room.id, turn.talkerId));
        return 'handled';
      }
      const rooms: Room[] = [];
      for (const room of await bot.Room.findAll().catch(() => [] as Room[])) {
        const context = await runtime.directory.get(room.id);
        if (!context?.bound) continue;
        if (context.staffWxids.includes(turn.talkerId) || roomManagers(room).includes(turn.talkerId)) {
          if (await room.has(turn.talker).catch(() => false)) rooms.push(room);
        }
      }
      if (rooms.length === 0) return 'continue';
      const answers: string[] = [];
      for (const room of rooms) answers.push(`「${await room.topic().catch(() => room.id)}」${await run(command, room.id, turn.talkerId)}`);
      replyLater(runtime, turn, command.kind === 'help' ? STAFF_HELP : answers.join('\n\n'));
      return 'handled';
    });
}
