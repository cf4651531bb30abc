import { types, type Contact, type Message, type Room } from 'wechaty';

export type IncomingKind = 'text' | 'url' | 'mini_program' | 'image' | 'file' | 'recalled' | 'system' | 'other';

/** A received message reduced to what the plugins need, built once; never throws. */
export interface Incoming {
  id: string;
  at: Date;
  kind: IncomingKind;
  /** Text of a text message; title and link of a card; empty otherwise. */
  text: string;
  url: string | null;
  room: Room | null;
  roomId: string | null;
  topic: string;
  talker: Contact;
  talkerId: string;
  talkerName: string;
  mentionSelf: boolean;
  /** An official account or another bot: never answered. */
  fromBot: boolean;
  message: Message;
}

const KINDS: Partial<Record<types.Message, IncomingKind>> = {
  [types.Message.Text]: 'text',
  [types.Message.Url]: 'url',
  [types.Message.MiniProgram]: 'mini_program',
  [types.Message.Image]: 'image',
  [types.Message.Attachment]: 'file',
  [types.Message.Video]: 'file',
  [types.Message.Audio]: 'other',
  [types.Message.Emoticon]: 'other',
  [types.Message.Recalled]: 'recalled',
  [types.Message.GroupNote]: 'system',
  [types.Message.Unknown]: 'system',
};

const BOT_NAME = /(机器人|小助手|bot|robot|助理)$/i;

async function safely<T>(work: () => Promise<T> | T, fallback: T): Promise<T> {
  try {
    return await work();
  } catch {
    return fallback;
  }
}

/** Null for the bot's own messages and for anything without a talker. */
export async function toIncoming(message: Message, options: { ignoreNames: readonly string[] }): Promise<Incoming | null> {
  if (await safely(() => message.self(), true)) return null;
  const talker = await safely<Contact | null>(() => message.talker(), null);
  if (!talker) return null;
  const kind = KINDS[await safely(() => message.type(), types.Message.Unknown)] ?? 'other';
  const room = await safely<Room | null>(() => message.room() ?? null, null);
  const talkerName = await safely(() => talker.name() ?? '', '');
  let text = kind === 'text' ? await safely(() => message.text() ?? '', '') : '';
  let url: string | null = null;
  if (kind === 'url') {
    const link = await safely(() => message.toUrlLink(), null);
    url = link ? await safely(() => link.url(), null) : null;
    text = link ? await safely(() => `${link.title() ?? ''} ${link.url() ?? ''}`.trim(), '') : '';
  }
  if (kind === 'mini_program') {
    const card = await safely(() => message.toMiniProgram(), null);
    text = card ? await safely(() => card.title() ?? '', '') : '';
  }
  const contactType = await safely(() => talker.type(), types.Contact.Individual);
  return {
    id: message.id,
    at: await safely(() => message.date(), new Date()),
    kind,
    text: text.slice(0, 4000),
    url,
    room,
    roomId: room?.id ?? null,
    topic: room ? await safely(() => room.topic(), '') : '',
    talker,
    talkerId: talker.id,
    talkerName,
    mentionSelf: room && kind === 'text' ? await safely(() => message.mentionSelf(), false) : false,
    fromBot: contactType !== types.Contact.Individual || options.ignoreNames.includes(talkerName) || BOT_NAME.test(talkerName),
    message,
  };
}
