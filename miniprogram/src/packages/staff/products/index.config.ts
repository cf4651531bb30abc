export default definePageConfig({ navigationBarTitleText: '商品与促销' });
