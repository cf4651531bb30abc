import { isProfileComplete, maskMobile, missingProfileFields, normalizeMobile } from './profile';

describe('the resident profile rule', () => {
  it('lists what is still missing, in form order, and counts blanks as missing', () => {
    expect(missingProfileFields({ nickname: '小王', communityId: 'c', building: '  ', unit: null })).toEqual(['building', 'unit', 'phone']);
    expect(isProfileComplete({ nickname: '小王', communityId: 'c', building: '3 号楼', unit: '2 单元 501', phone: '13800138000' })).toBe(true);
  });

  it('accepts mainland mobile numbers written with spaces, dashes or +86, and nothing else', () => {
    expect(normalizeMobile('+86 138-0013-8000')).toBe('13800138000');
    expect(normalizeMobile('8613800138000')).toBe('13800138000');
    expect(normalizeMobile('12800138000')).toBeNull();
    expect(normalizeMobile('1380013800')).toBeNull();
    expect(normalizeMobile('021-64881000')).toBeNull();
  });

  it('masks the middle of a phone number', () => {
    expect(maskMobile('13800138000')).toBe('138****8000');
  });
});
