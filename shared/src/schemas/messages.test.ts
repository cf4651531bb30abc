import type { z } from 'zod';
import { groupSettingsPatchSchema, bindCodeSchema } from './groups';
import { labelKeySchema } from './labels';
import { couponCodeSchema } from './rewards';
import { createStaffInviteSchema } from './staff';

/** The first issue's message: what the server puts in front of staff and residents (see error-handler.ts). */
function firstMessage(schema: z.ZodType, input: unknown): string {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error('expected the input to be refused');
  return parsed.error.issues[0]!.message;
}

describe('messages a person reads when a form is refused', () => {
  it('say in Chinese what is wrong with a typed coupon code, bind code, time or label key', () => {
    expect(firstMessage(couponCodeSchema, 'ABC')).toBe('券码是 10 位字母或数字，请核对后重新输入');
    expect(firstMessage(bindCodeSchema, '123456')).toBe('绑定码是 12 位数字');
    expect(firstMessage(groupSettingsPatchSchema, { quietHours: { start: '25:00', end: '07:00' } })).toBe('时间格式应为 时:分，例如 08:30');
    expect(firstMessage(labelKeySchema, 'Bad Key')).toMatch(/^标签键为/);
  });

  it('name the missing store or city of a staff invitation in Chinese', () => {
    expect(firstMessage(createStaffInviteSchema, { name: '新顾问', role: 'advisor' })).toBe('顾问和店长要选择所属门店');
    expect(firstMessage(createStaffInviteSchema, { name: '城市运营', role: 'city_ops' })).toBe('城市运营要选择所属城市');
  });
});
