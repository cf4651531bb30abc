import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { TICKET_ANSWER_CHANNELS, TICKET_REASONS, TICKET_STATUSES } from '@o2o/shared/schemas/tickets';

/**
 * A hand-off ticket: a resident's message in a store group the bot gave to staff. `messageKey`
 * (`<roomId>:<messageId>`) is unique, so the bot retrying the same message makes one ticket.
 * `status`, `firstAnsweredAt` are mirrors of the answers (recomputed from them, never counted).
 */
const ticketSchema = new Schema({
  messageKey: { type: String, required: true, unique: true },
  storeId: { type: Schema.Types.ObjectId, required: true },
  cityId: { type: Schema.Types.ObjectId, required: true },
  groupId: { type: Schema.Types.ObjectId, required: true },
  roomId: { type: String, required: true },
  topic: { type: String, default: '' },
  wxid: { type: String, required: true },
  name: { type: String, default: '' },
  text: { type: String, required: true },
  reason: { type: String, enum: TICKET_REASONS, required: true },
  status: { type: String, enum: TICKET_STATUSES, default: 'open' },
  createdAt: { type: Date, required: true },
  firstAnsweredAt: { type: Date, default: null },
  closedAt: { type: Date, default: null },
});
ticketSchema.index({ storeId: 1, status: 1, createdAt: -1 });
ticketSchema.index({ cityId: 1, createdAt: -1 });
export const TicketModel = model('Ticket', ticketSchema, 'tickets');
export type TicketRecord = InferSchemaType<typeof ticketSchema> & { _id: Types.ObjectId };

/** One staff answer, keyed `<ticketId>:<requestId>`: a retried answer is stored and relayed once. */
const ticketAnswerSchema = new Schema({
  _id: { type: String },
  ticketId: { type: Schema.Types.ObjectId, required: true, index: true },
  text: { type: String, required: true },
  staffId: { type: Schema.Types.ObjectId, required: true },
  staffName: { type: String, default: '' },
  via: { type: String, enum: TICKET_ANSWER_CHANNELS, required: true },
  /** The delivery that relays it (its ack says whether it was sent). */
  deliveryId: { type: String, required: true },
  at: { type: Date, required: true },
});
export const TicketAnswerModel = model('TicketAnswer', ticketAnswerSchema, 'ticket_answers');
export type TicketAnswerRecord = InferSchemaType<typeof ticketAnswerSchema> & { _id: string };
