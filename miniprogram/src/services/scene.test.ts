import { resolveScene, sceneFromLaunch, sceneFromUrl } from './scene';

describe('reading the scene a resident arrived with', () => {
  it('when WeChat opens the page from a mini-program code, then the URL-encoded query.scene is decoded', () => {
    const scene = sceneFromLaunch({ scene: 1047, query: { scene: encodeURIComponent('c.mseft8wz.b6zdx-Vkhz') } });
    expect(scene).toEqual({ kind: 'code', id: 'mseft8wz', signature: 'b6zdx-Vkhz', payload: 'c.mseft8wz' });
  });

  it('when the numeric entry scene is all there is, then there is no scene', () => {
    expect(sceneFromLaunch({ scene: 1001, query: {} })).toBeNull();
    expect(sceneFromLaunch(undefined)).toBeNull();
  });

  it('when an H5 hash URL carries an invite scene, then it is read from after the hash', () => {
    const scene = sceneFromUrl('http://127.0.0.1:3000/h5/#/pages/landing/index?scene=i.qp7dckac.cmcQkn0yQQ&x=1');
    expect(scene).toMatchObject({ kind: 'invite', id: 'qp7dckac' });
  });

  it('when the scene sits in the search part before the hash, then it is still found', () => {
    expect(sceneFromUrl('http://h/h5/?scene=c.xmdehf12.zlk05fLVEJ#/pages/landing/index')).toMatchObject({ kind: 'code', id: 'xmdehf12' });
  });

  it('when the scene is forged in shape or missing, then nothing is returned', () => {
    expect(sceneFromUrl('http://h/h5/#/pages/landing/index?scene=x.bad')).toBeNull();
    expect(sceneFromUrl('http://h/h5/#/pages/landing/index')).toBeNull();
    expect(sceneFromUrl(null)).toBeNull();
  });

  it('prefers the page params over the address bar', () => {
    expect(resolveScene({ scene: 'c.aaaaaaaa.0123456789' }, 'http://h/#/p?scene=c.bbbbbbbb.0123456789')).toMatchObject({ id: 'aaaaaaaa' });
    expect(resolveScene({}, 'http://h/#/p?scene=c.bbbbbbbb.0123456789')).toMatchObject({ id: 'bbbbbbbb' });
  });
});
