import { Input, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useEffect, useState } from 'react';
import { maskMobile, normalizeMobile } from '@o2o/shared/rules/profile';
import { updateProfileSchema } from '@o2o/shared/schemas/residents';
import { Btn } from '../../components/button';
import { CommunityPicker } from '../../components/community-picker';
import { COLORS, Icon } from '../../components/icon';
import { ErrorState, LoadingState } from '../../components/state-view';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { api, type ProfileInput, type Resident } from '../../services/api';
import { errorText } from '../../services/errors';
import { toast } from '../../services/navigation';
import { isH5 } from '../../services/platform';

interface Draft {
  nickname: string;
  communityId: string | null;
  building: string;
  unit: string;
  phone: string;
  phoneCode: string | null;
}

function draftOf(me: Resident): Draft {
  return { nickname: me.nickname ?? '', communityId: me.communityId, building: me.building ?? '', unit: me.unit ?? '', phone: me.phone ?? '', phoneCode: null };
}

/** Only what changed, as the PATCH body. */
function changes(me: Resident, draft: Draft): ProfileInput {
  const body: ProfileInput = {};
  if (draft.nickname.trim() !== (me.nickname ?? '')) body.nickname = draft.nickname;
  if (draft.communityId && draft.communityId !== me.communityId) body.communityId = draft.communityId;
  if (draft.building.trim() !== (me.building ?? '')) body.building = draft.building;
  if (draft.unit.trim() !== (me.unit ?? '')) body.unit = draft.unit;
  if (draft.phoneCode) body.phoneCode = draft.phoneCode;
  else if (isH5 && draft.phone.trim()) {
    // A number still being typed is sent to validation too, so its mistake shows under the field.
    const normalized = normalizeMobile(draft.phone);
    if (normalized === null || normalized !== me.phone) body.phone = draft.phone;
  }
  return body;
}

/** Chinese messages by field, from the same schema the server validates with. */
function fieldErrors(body: ProfileInput): Partial<Record<keyof ProfileInput, string>> {
  if (Object.keys(body).length === 0) return {};
  const parsed = updateProfileSchema.safeParse(body);
  if (parsed.success) return {};
  const errors: Partial<Record<keyof ProfileInput, string>> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as keyof ProfileInput | undefined;
    if (field && !errors[field]) errors[field] = issue.message;
  }
  return errors;
}

function Field({ label, error, children }: { label: string; error?: string; children: React.ReactNode }) {
  return (
    <View className='field'>
      <Text className='field-label'>{label}</Text>
      {children}
      {error ? <Text className='field-error'>{error}</Text> : null}
    </View>
  );
}

function ProfileForm({ me }: { me: Resident }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(me));
  const [saving, setSaving] = useState(false);
  const [touched, setTouched] = useState(false);
  useEffect(() => setDraft(draftOf(me)), [me]);
  const set = (patch: Partial<Draft>) => {
    setTouched(true);
    setDraft((current) => ({ ...current, ...patch }));
  };
  const body = changes(me, draft);
  const errors = touched ? fieldErrors(body) : {};
  const nothingChanged = Object.keys(body).length === 0;
  const invalid = Object.keys(fieldErrors(body)).length > 0;

  const save = async () => {
    setSaving(true);
    try {
      const saved = await api.updateProfile(body);
      const completedNow = me.missingProfileFields.length > 0 && saved.missingProfileFields.length === 0;
      toast(completedNow ? '资料已完善，任务奖励已发放' : '已保存', completedNow ? 'success' : 'none');
      setTimeout(() => void Taro.navigateBack().catch(() => undefined), 800);
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <View data-testid='profile-form'>
      <View className='card'>
        <Field label='昵称' error={errors.nickname}>
          <Input className={`input ${errors.nickname ? 'input-error' : ''}`} placeholder='门店和邻居怎么称呼你' maxlength={20} value={draft.nickname} onInput={(event) => set({ nickname: event.detail.value })} data-testid='profile-nickname' />
        </Field>
        <Field label='手机号（配送联系用）' error={errors.phone}>
          {isH5 ? (
            <Input className={`input ${errors.phone ? 'input-error' : ''}`} type='number' placeholder='11 位手机号' maxlength={11} value={draft.phone} onInput={(event) => set({ phone: event.detail.value })} data-testid='profile-phone' />
          ) : (
            <View className='row'>
              <Text className='text-body grow'>{draft.phoneCode ? '已授权，保存后更新' : me.phone ? maskMobile(me.phone) : '未填写'}</Text>
              <Btn
                small
                variant='plain'
                openType='getPhoneNumber'
                onGetPhoneNumber={(event) => {
                  const code = (event.detail as { code?: string }).code;
                  if (code) set({ phoneCode: code });
                  else toast('未授权手机号，可稍后再填');
                }}
              >
                {me.phone ? '更换手机号' : '微信授权手机号'}
              </Btn>
            </View>
          )}
        </Field>
      </View>

      <View className='card'>
        <Text className='card-title'>收货地址</Text>
        <Text className='caption block mb-16'>换小区后，会由离你最近的门店为你服务</Text>
        <CommunityPicker storeId={me.storeId} value={draft.communityId} onChange={(communityId) => set({ communityId })} />
        <Field label='楼栋' error={errors.building}>
          <Input className={`input ${errors.building ? 'input-error' : ''}`} placeholder='如：3 号楼' maxlength={20} value={draft.building} onInput={(event) => set({ building: event.detail.value })} data-testid='profile-building' />
        </Field>
        <Field label='单元门牌' error={errors.unit}>
          <Input className={`input ${errors.unit ? 'input-error' : ''}`} placeholder='如：2 单元 501' maxlength={30} value={draft.unit} onInput={(event) => set({ unit: event.detail.value })} data-testid='profile-unit' />
        </Field>
      </View>

      <View className='notice notice-block'>
        <Icon name='shield' color={COLORS.warn} size={32} />
        <Text className='notice-text'>手机号和门牌只用于门店配送联系，不会公开。</Text>
      </View>

      <Btn block disabled={saving || nothingChanged || invalid} onClick={() => void save()} testId='profile-save'>
        {saving ? '保存中…' : '保存'}
      </Btn>
    </View>
  );
}

export default function Profile() {
  const allowed = useResidentPage();
  const me = useRequest(() => api.me(), [], allowed);
  if (!allowed) return <View className='page'><LoadingState /></View>;
  return (
    <View className='page' data-testid='page-profile'>
      {me.error ? <ErrorState error={me.error} onRetry={() => void me.reload()} /> : null}
      {!me.data && !me.error ? <LoadingState rows={3} /> : null}
      {me.data ? <ProfileForm me={me.data} /> : null}
    </View>
  );
}
