import type { Contact, Wechaty, WechatyPlugin } from 'wechaty';
import { findViolations, ladderStep, muteEnd, repeatKey, type LadderStep, type MessageKind, type Violation } from '@o2o/shared/rules/moderation';
import { chinaTimeText } from '@o2o/shared/rules/china-time';
import type { ModerationReport } from '@o2o/shared/schemas/groups';
import { STAGES, eventId, sayInRoom, selfIdOf, sayToContact, type BotRuntime, type Turn } from '../runtime';
import { ServerUnavailableError } from '../server-client/bot-api';
import { askStaffToRemove, mutedReply, removedNotice, staffReport, warningReply } from '../talkers/replies';
import { roomManagers } from './message-pipeline';

const REPEAT_WINDOW_MS = 10 * 60_000;
const QR_DECODE_TIMEOUT_MS = 3000;
type Outcome = 'warned' | 'muted' | 'removed' | 'asked_staff' | 'failed';

interface Decided extends LadderStep {
  strike: number;
  muteUntil: Date | null;
}

/** Whether an image holds a QR code (decoded locally; a failure to decode means no). */
async function holdsQrCode(turn: Turn): Promise<boolean> {
  try {
    const file = await turn.message.toFileBox();
    const decoded = await Promise.race([file.toQRCode(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), QR_DECODE_TIMEOUT_MS).unref())]);
    return typeof decoded === 'string' && decoded.length > 0;
  } catch {
    return false;
  }
}

function moderationKind(kind: Turn['kind']): MessageKind {
  return kind === 'text' || kind === 'url' || kind === 'mini_program' || kind === 'image' ? kind : 'other';
}

/**
 * Moderation of non-staff members, following the seed's spam rules: links and mini-program cards
 * from outsiders, QR-code images, repeated identical messages, contact details with promotional
 * words, text obfuscated with symbols. Each violation is logged on the server with its evidence
 * and takes the member's next strike on the store's ladder: warnings, mutes (1, 7, 15 days by
 * default), then removal where the bot owns or administers the group (otherwise staff are asked to
 * remove). The puppet cannot mute, so while a member is muted (the room's context and the last
 * decision say until when) anything they say is a strike too; the server tells them when the mute
 * ends. Strictness and the ladder are settings.
 */
export function ModerationPlugin(runtime: BotRuntime): WechatyPlugin {
  const recent = new Map<string, { key: string; at: number }[]>();
  const localStrikes = new Map<string, number>();
  /** `<roomId>|<wxid>` -> end of the mute this bot last decided or heard of (the context has the rest). */
  const mutedUntil = new Map<string, number>();

  const muteOf = (turn: Turn): number | null => {
    const key = `${turn.roomId}|${turn.talkerId}`;
    const fromContext = turn.context?.mutes?.find((mute) => mute.wxid === turn.talkerId);
    const until = Math.max(mutedUntil.get(key) ?? 0, fromContext ? Date.parse(fromContext.until) : 0);
    return until > turn.at.getTime() ? until : null;
  };

  const identicalRecently = (turn: Turn): number => {
    const memberKey = `${turn.roomId}|${turn.talkerId}`;
    const now = turn.at.getTime();
    const key = repeatKey(moderationKind(turn.kind), turn.kind === 'image' ? `image` : turn.text);
    const history = (recent.get(memberKey) ?? []).filter((entry) => entry.at > now - REPEAT_WINDOW_MS);
    history.push({ key, at: now });
    recent.set(memberKey, history.slice(-20));
    if (recent.size > 20_000) recent.delete(recent.keys().next().value!);
    return turn.kind === 'image' ? 0 : history.filter((entry) => entry.key === key).length;
  };

  return (bot: Wechaty) => {
    const staffContacts = async (turn: Turn): Promise<Contact[]> => {
      const ids = [...new Set([...(turn.context?.staffWxids ?? []), ...roomManagers(turn.room!)])].filter((id) => id !== selfIdOf(bot));
      const contacts = await Promise.all(ids.map((id) => bot.Contact.find({ id }).catch(() => undefined)));
      return contacts.filter((contact): contact is Contact => Boolean(contact));
    };

    const botCanRemove = (turn: Turn): boolean => {
      const selfId = selfIdOf(bot);
      return Boolean(selfId && roomManagers(turn.room!).includes(selfId));
    };

    const act = async (turn: Turn, violation: Violation, decided: Decided): Promise<Outcome> => {
      const room = turn.room!;
      const rules = turn.context!.settings.groupRules;
      if (decided.penalty === 'warn') {
        await sayInRoom(runtime, room, warningReply(violation.rule, rules), [turn.talker]);
        return 'warned';
      }
      const staff = await staffContacts(turn);
      const report = staffReport(turn.talkerName, turn.topic, violation.rule, turn.text || turn.url || turn.kind, decided.strike);
      if (decided.penalty === 'mute') {
        const ladder = turn.context!.settings.moderationLadder;
        const lastMute = ladderStep(decided.strike + 1, ladder).penalty === 'remove';
        await sayInRoom(runtime, room, mutedReply(violation.rule, decided.strike, decided.muteDays!, decided.muteUntil!, lastMute), [turn.talker]);
        const note = `${report}\n已禁言 ${decided.muteDays} 天，到 ${chinaTimeText(decided.muteUntil!)}。如属误判，可在工作台「群管理记录」撤销。`;
        for (const contact of staff) await sayToContact(runtime, contact, note).catch(() => undefined);
        return 'muted';
      }
      if (botCanRemove(turn)) {
        await room.del(turn.talker as Parameters<typeof room.del>[0]);
        await sayInRoom(runtime, room, removedNotice(turn.talkerName, violation.rule));
        for (const contact of staff) await sayToContact(runtime, contact, `${report}\n已将其移出本群。`).catch(() => undefined);
        return 'removed';
      }
      await sayInRoom(runtime, room, askStaffToRemove(turn.talkerName, violation.rule), staff.filter((contact) => roomManagers(room).includes(contact.id)));
      for (const contact of staff) await sayToContact(runtime, contact, `${report}\n请将其移出本群（我没有踢人权限）。`).catch(() => undefined);
      return 'asked_staff';
    };

    return runtime.pipeline.add(STAGES.moderation, 'moderation', async (turn) => {
      if (!turn.room || !turn.context?.bound || turn.isStaff) return 'continue';
      const strictness = turn.context.settings.moderationStrictness;
      if (strictness === 'off') return 'continue';
      const kind = moderationKind(turn.kind);
      const identical = identicalRecently(turn);
      const qrCodeFound = kind === 'image' ? await holdsQrCode(turn) : false;
      const violations = findViolations(
        { kind, text: turn.text, url: turn.url ?? undefined, qrCodeFound, identicalRecently: identical, allowedHosts: turn.context.settings.allowedLinkHosts },
        strictness,
      );
      const mutedTill = muteOf(turn);
      if (violations.length === 0 && mutedTill !== null) violations.push({ rule: 'muted_speech', detail: `禁言到 ${chinaTimeText(new Date(mutedTill))}，期间发言` });
      if (violations.length === 0) return 'continue';
      const violation = violations[0];
      const report: ModerationReport = {
        roomId: turn.room.id,
        wxid: turn.talkerId,
        name: turn.talkerName,
        rule: violation.rule,
        detail: violation.detail.slice(0, 300),
        evidence: { messageId: turn.id, kind: turn.kind, text: (turn.text || turn.url || `[${turn.kind}]`).slice(0, 2000) },
        at: turn.at.toISOString(),
      };
      const memberKey = `${turn.room.id}|${turn.talkerId}`;
      let caseId: string | null = null;
      let decided: Decided;
      try {
        const decision = await runtime.api.reportViolation(report);
        if (decision.duplicate) return 'handled';
        if (!decision.penalty) {
          // The mute no longer stands (staff undid it): an ordinary message after all.
          mutedUntil.delete(memberKey);
          return 'continue';
        }
        caseId = decision.caseId;
        decided = { strike: decision.strike, penalty: decision.penalty, muteDays: decision.muteDays, muteUntil: decision.muteUntil ? new Date(decision.muteUntil) : null };
      } catch (error) {
        if (!(error instanceof ServerUnavailableError)) throw error;
        // The server is away: count locally on the store's ladder, act, and log the case through the outbox.
        const strike = (localStrikes.get(memberKey) ?? 0) + 1;
        localStrikes.set(memberKey, strike);
        const step = ladderStep(strike, turn.context.settings.moderationLadder);
        decided = { strike, ...step, muteUntil: step.muteDays ? muteEnd(turn.at, step.muteDays) : null };
      }
      if (decided.muteUntil) mutedUntil.set(memberKey, Math.max(mutedUntil.get(memberKey) ?? 0, decided.muteUntil.getTime()));
      if (mutedUntil.size > 20_000) mutedUntil.delete(mutedUntil.keys().next().value!);
      const penalty = decided.penalty;
      const record = (outcome: Outcome) => {
        const at = new Date(runtime.clock.now()).toISOString();
        if (caseId) runtime.outbox.add({ id: eventId('moderation'), kind: 'moderation_outcome', at, caseId, outcome, note: `${violation.rule}:${penalty}` });
        else runtime.outbox.add({ id: eventId('moderation'), kind: 'moderation_case', at, report, outcome });
        void runtime.outbox.flush();
      };
      // The action waits its turn in the paced queue; the message path does not wait for it.
      void act(turn, violation, decided).then(record, (error: unknown) => {
        runtime.log.warn('moderation action failed', { roomId: turn.roomId, err: error });
        record('failed');
      });
      return 'handled';
    });
  };
}
