import { Schema, model } from 'mongoose';

/** Opaque bearer sessions; only a keyed hash of the token is stored. */
const sessionSchema = new Schema({
  _id: { type: String },
  kind: { type: String, enum: ['resident', 'staff'], required: true },
  residentId: { type: Schema.Types.ObjectId, default: null },
  staffId: { type: Schema.Types.ObjectId, default: null },
  openid: { type: String, required: true },
  createdAt: { type: Date, required: true },
  expiresAt: { type: Date, required: true, index: true },
});
export const SessionModel = model('Session', sessionSchema, 'sessions');

/** WeChat's session_key stays here, on the server, for decrypting data later; it is never sent to clients. */
const wechatSessionKeySchema = new Schema({
  _id: { type: String }, // openid
  sessionKey: { type: String, required: true },
  updatedAt: { type: Date, required: true },
});
export const WechatSessionKeyModel = model('WechatSessionKey', wechatSessionKeySchema, 'wechat_session_keys');
