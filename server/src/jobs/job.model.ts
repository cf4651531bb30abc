import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

/**
 * Lease N of a job, keyed `<job>:<N>`. Taking the next lease is a unique insert, so of several
 * instances exactly one gets it; a lease whose holder died expires and the next one can be taken.
 */
const jobLeaseSchema = new Schema({
  _id: { type: String },
  job: { type: String, required: true, index: true },
  n: { type: Number, required: true },
  holder: { type: String, required: true },
  runId: { type: Schema.Types.ObjectId, default: null },
  acquiredAt: { type: Date, required: true },
  expiresAt: { type: Date, required: true },
  released: { type: Boolean, default: false },
});
export const JobLeaseModel = model('JobLease', jobLeaseSchema, 'job_leases');
export type JobLeaseRecord = InferSchemaType<typeof jobLeaseSchema>;

/** Every run of a job: when, why, how it ended, what it counted. */
const jobRunSchema = new Schema({
  job: { type: String, required: true, index: true },
  periodKey: { type: String, required: true },
  trigger: { type: String, enum: ['schedule', 'catch_up', 'manual'], required: true },
  holder: { type: String, required: true },
  lease: { type: String, required: true },
  status: { type: String, enum: ['running', 'succeeded', 'failed', 'abandoned'], required: true },
  startedAt: { type: Date, required: true },
  endedAt: { type: Date, default: null },
  counts: { type: Schema.Types.Mixed, default: {} },
  error: { type: String, default: null },
  triggeredBy: { type: Schema.Types.ObjectId, default: null },
});
jobRunSchema.index({ job: 1, periodKey: 1, status: 1 });
export const JobRunModel = model('JobRun', jobRunSchema, 'job_runs');
export type JobRunRecord = InferSchemaType<typeof jobRunSchema> & { _id: Types.ObjectId };
