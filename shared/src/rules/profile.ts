/**
 * What a resident's profile needs before "完善资料" counts as done: the store delivers to a door,
 * so it needs a name to call, the community, the building and unit, and a phone number.
 */
export const PROFILE_FIELDS = ['nickname', 'communityId', 'building', 'unit', 'phone'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

export const PROFILE_FIELD_LABELS: Record<ProfileField, string> = {
  nickname: '昵称',
  communityId: '所在小区',
  building: '楼栋',
  unit: '单元门牌',
  phone: '手机号',
};

export type ProfileFacts = Partial<Record<ProfileField, string | null | undefined>>;

/** A mainland China mobile number: 11 digits starting 13-19. */
export const MAINLAND_MOBILE_PATTERN = /^1[3-9]\d{9}$/;

/** `+86 138-0013-8000` -> `13800138000`; null when what is left is not a mobile number. */
export function normalizeMobile(input: string | null | undefined): string | null {
  if (!input) return null;
  const digits = input.replace(/[\s()-]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '');
  return MAINLAND_MOBILE_PATTERN.test(digits) ? digits : null;
}

/** The fields still empty, in form order. */
export function missingProfileFields(profile: ProfileFacts): ProfileField[] {
  return PROFILE_FIELDS.filter((field) => !(profile[field] ?? '').toString().trim());
}

export function isProfileComplete(profile: ProfileFacts): boolean {
  return missingProfileFields(profile).length === 0;
}

/** `138****8000`, for places where the whole number need not show. */
export function maskMobile(phone: string | null | undefined): string {
  if (!phone) return '';
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : phone;
}
