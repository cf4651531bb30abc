export default definePageConfig({ navigationBarTitleText: '群问答' });
