import { foldWidth, stripMentions } from '@o2o/shared/rules/text-normalize';

/** Commands a member or staff member says to the bot. Pure: text in, command out. */
export type Command =
  | { kind: 'bind'; code: string }
  | { kind: 'checkin' }
  | { kind: 'announce'; text: string }
  | { kind: 'faq_add'; questions: string[]; answer: string }
  | { kind: 'faq_remove'; question: string }
  | { kind: 'stats' }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'offer'; text: string }
  | { kind: 'help' };

export const STAFF_COMMANDS = new Set<Command['kind']>(['announce', 'faq_add', 'faq_remove', 'stats', 'pause', 'resume', 'offer', 'help']);

/** The text with mentions removed, width folded and outer spaces trimmed (case kept for answers staff type). */
function cleaned(text: string): string {
  return stripMentions(text).replace(/[\u200b-\u200d\u2060\ufeff]/g, '').trim();
}

/** `添加问答 问题1/问题2 答 答案`, also with `问:`/`答:` or `|` between question and answer. */
function parseFaqAdd(rest: string): Command | null {
  const match = /^(?:问[:：]?)?\s*(.+?)\s*(?:\||｜|\s答[:：]?\s*|答[:：]\s*)(.+)$/s.exec(rest);
  if (!match) return null;
  const questions = match[1].split(/[/／、;；]/).map((question) => question.trim()).filter(Boolean);
  const answer = match[2].trim();
  return questions.length > 0 && answer ? { kind: 'faq_add', questions, answer } : null;
}

export function parseCommand(text: string): Command | null {
  const body = cleaned(text);
  if (!body || body.length > 1600) return null;
  const folded = foldWidth(body).replace(/\s+/g, ' ');
  // A code is 12 digits, copied with spaces or hyphens between groups; a wrong length is still a bind
  // attempt, answered by the binding plugin without asking the server.
  const bind = /^绑定\s*(?:码)?[:：]?\s*(\d[\d -]{2,30}\d)$/.exec(folded);
  if (bind) return { kind: 'bind', code: bind[1].replace(/[ -]/g, '') };
  if (/^(每日)?(签到|打卡)[!！~～。.]*$/.test(folded.replace(/\s/g, ''))) return { kind: 'checkin' };
  const head = /^(公告|发公告|添加问答|新增问答|删除问答|特惠|今日特惠)[:：]?\s*(.*)$/s.exec(body);
  if (head) {
    const rest = head[2].trim();
    if (!rest) return null;
    switch (head[1]) {
      case '公告':
      case '发公告':
        return { kind: 'announce', text: rest };
      case '添加问答':
      case '新增问答':
        return parseFaqAdd(rest);
      case '删除问答':
        return { kind: 'faq_remove', question: rest };
      default:
        return { kind: 'offer', text: rest };
    }
  }
  const word = folded.replace(/\s/g, '');
  if (/^(今日数据|今天数据|群数据|今日群数据|群统计)$/.test(word)) return { kind: 'stats' };
  if (/^(暂停|暂停机器人|暂停小助手|小助手暂停)$/.test(word)) return { kind: 'pause' };
  if (/^(恢复|恢复机器人|恢复小助手|继续服务)$/.test(word)) return { kind: 'resume' };
  if (/^(指令|管理指令|帮助)$/.test(word)) return { kind: 'help' };
  return null;
}
