import type { Types } from 'mongoose';
import type { InviteLanding } from '@o2o/shared/schemas/invites';
import type { PublicLinks } from '../../lib/public-links';
import type { SceneSigner } from '../acquisition/scene-signer';
import { StoreModel } from '../organisation/organisation.model';
import { ResidentModel, type ResidentRecord } from '../residents/resident.model';
import type { TaskService } from '../tasks/tasks.service';
import type { InviteService } from './invite.service';

export interface InvitePagesSettings {
  rewardPoints: number;
  qualifyDays: number;
}

const SHARE_TITLE = '邻居邀你一起逛邻里鲜生，新人注册领积分';

/** The two pages of the invite loop: the inviter's poster and list, and the invitee's landing. */
export class InvitePages {
  constructor(
    private readonly deps: { signer: SceneSigner; links: PublicLinks; invites: InviteService; tasks: TaskService; settings: InvitePagesSettings },
  ) {}

  /** The inviter's page: what the poster and share card carry (store, inviter, rewards, link) and who really signed up. */
  async mine(resident: ResidentRecord) {
    const { signer, links, invites, settings } = this.deps;
    const scene = signer.sign('invite', resident.inviteCode);
    const store = await this.store(resident.storeId ?? null);
    const rewards = await this.inviteeRewards(store);
    return {
      inviteCode: resident.inviteCode.toUpperCase(),
      scene,
      h5Url: links.landingUrl(scene),
      sharePath: links.miniProgramPath(scene),
      shareTitle: SHARE_TITLE,
      inviterName: resident.nickname ?? '你的邻居',
      store: store ? { id: String(store._id), name: store.name, address: store.address } : null,
      rewardPoints: settings.rewardPoints,
      qualifyDays: settings.qualifyDays,
      inviteeRewardText: rewards.text,
      invited: await invites.myInvites(resident._id),
    };
  }

  /** The invitee's landing, before they sign in: who invites, from which store, and what both get. */
  async landing(scene: string): Promise<InviteLanding> {
    const { settings } = this.deps;
    const verified = this.deps.signer.verify(scene);
    const inviter =
      verified?.kind === 'invite' ? await ResidentModel.findOne({ inviteCode: verified.id }, { nickname: 1, storeId: 1 }).lean() : null;
    const store = await this.store(inviter?.storeId ?? null);
    const rewards = await this.inviteeRewards(store);
    return {
      valid: Boolean(inviter),
      message: inviter ? '邻居邀请你加入，注册后即可参与任务、赚取积分' : '邀请链接无效，你仍可正常注册使用',
      inviterName: inviter ? (inviter.nickname ?? '你的邻居') : null,
      store: store ? { id: String(store._id), name: store.name, address: store.address } : null,
      inviterRewardPoints: settings.rewardPoints,
      qualifyDays: settings.qualifyDays,
      inviteeRewardPoints: rewards.totalPoints,
      inviteeRewardText: rewards.text,
    };
  }

  private async store(storeId: Types.ObjectId | null) {
    return storeId ? StoreModel.findById(storeId, { name: 1, address: 1, cityId: 1 }).lean() : null;
  }

  private async inviteeRewards(store: { _id: Types.ObjectId; cityId: Types.ObjectId } | null) {
    const { signupPoints, totalPoints } = await this.deps.tasks.newbieRewards({ storeId: store?._id ?? null, cityId: store?.cityId ?? null });
    const parts = [signupPoints > 0 ? `注册即得 ${signupPoints} 积分` : null, totalPoints > signupPoints ? `完成新人任务共 ${totalPoints} 积分` : null].filter(Boolean);
    return { totalPoints, text: parts.length > 0 ? parts.join('，') : '注册后即可参与任务、赚取积分' };
  }
}
