// Messages in Chinese (the default) and English for both apps; the choice is kept in localStorage.
import { createI18n } from 'vue-i18n'

const zh = {
  common: {
    loading: '加载中…', empty: '暂无数据', retry: '重试', more: '加载更多', noMore: '没有更多了',
    save: '保存', cancel: '取消', confirm: '确定', submit: '提交', search: '搜索', export: '导出 CSV',
    logout: '退出登录', language: 'English', back: '返回', actions: '操作', status: '状态', time: '时间',
    amount: '金额', yes: '是', no: '否', done: '完成', close: '关闭', refresh: '刷新', detail: '详情',
  },
  fields: {
    phone: '手机号', password: '密码', invite_code: '邀请码', channel: '来源渠道', amount: '金额',
    reference: '打款流水号', tracking: '物流单号', name: '名称', price: '价格', stock: '库存', sku: 'SKU',
    role: '角色', note: '备注', reason: '原因', rank: '等级', toml: '方案文件', items: '商品', qty: '数量',
    member_prices: '会员价', status: '状态', description: '描述', referrer: '推荐人',
  },
  validate: {
    phone_required: '请输入手机号', phone_format: '请输入 11 位手机号（1 开头）',
    password_required: '请输入密码', password_short: '密码至少 8 位', password_long: '密码最多 128 位',
    amount_format: '请输入金额，最多两位小数', amount_positive: '金额必须大于 0',
    amount_below_min: '单笔提现不少于 {min}', amount_over_available: '超过可提现余额 {available}',
    required: '必填', sku_required: '请输入 SKU', sku_format: 'SKU 只能包含字母、数字、点、横线和下划线',
    price_format: '请输入价格，最多两位小数',
    int_range: '请输入 {min} 到 {max} 之间的整数', percent: '请输入 0 到 100 之间的百分比，最多两位小数',
    scenario_name: '名称只能包含字母、数字、点、横线和下划线（最多 64 个）', founders_over_max: '创始会员不能多于市场规模',
    invitees_order: '最多人数不能少于最少人数', int_range_generic: '请输入范围内的整数', positive_number: '请输入不小于 0 的数，最多两位小数',
  },
  errors: {
    network: '网络异常，请检查网络后重试', server_error: '服务器开小差了，请稍后再试', unknown: '操作失败',
    unauthorized: '登录已失效，请重新登录', forbidden: '没有权限进行此操作', not_found: '内容不存在',
    missing_field: '请填写{field}', malformed_json: '请求格式错误', invalid_field: '{field}填写不正确',
    bad_credentials: '手机号或密码错误', too_many_attempts: '登录失败次数过多，请稍后再试',
    overloaded: '当前访问人数较多，请稍后重试', already_paid: '该订单已支付', idempotency_key_reused: '请求重复，请刷新后重试',
    phone_taken: '该手机号已注册', unknown_invite_code: '邀请码不存在', out_of_stock: '库存不足',
    insufficient_balance: '可提现余额不足', below_minimum: '低于最低提现金额', invalid_state: '当前状态不能进行此操作',
    withdrawal_closed: '该提现已处理', order_expired: '订单已过期', day_already_closed: '今天已经结算过了',
    plan_invalid: '方案有误', invalid_plan: '方案有误', referrer_fixed: '已购买的会员不能改绑推荐人',
    not_a_fan: '只有未购买的粉丝可以改绑', has_directs: '该会员已有直推，不能改绑', same_referrer: '推荐人相同',
    self_referral: '不能推荐自己', fund_locked: '资金已冻结', body_too_large: '内容太大',
    unknown_product: '商品不存在或已下架', unknown_order: '订单不存在', unknown_member: '会员不存在',
    unknown_withdrawal: '提现记录不存在', unknown_rank: '等级不存在', order_refunded: '订单已退款',
    order_settled: '订单已结算', invalid_amount: '金额不正确（注意最低提现金额）',
    invalid_scenario: '模拟场景有误', too_many_simulations: '已有模拟在运行，请稍后再试',
    no_report: '模拟尚未完成，还没有报告', scenario_too_large: '场景超出服务器的上限（天数或人数）',
  },
  order: {
    created: '待付款', paid: '待发货', shipped: '已发货', received: '已收货', settled: '已完成',
    cancelled: '已取消', expired: '已过期', refund_requested: '退款中', refunded: '已退款',
  },
  withdrawal: { requested: '待审核', paid: '已打款', rejected: '已驳回' },
  earned: { direct: '直推奖', team_point: '见点奖', differential: '极差奖', peer: '平级奖', pool: '奖池分红', indirect: '间推奖', level: '层级奖' },
  balance: { pending: '待结算', available: '可提现', frozen: '冻结', withdrawing: '提现中' },
  role: { member: '会员', owner: '店主', finance: '财务', operator: '运营', sales: '销售' },
  store: {
    title: '关系小店', tabs: { home: '商城', orders: '订单', team: '团队', me: '我的' },
    login: { title: '会员登录', submit: '登录', toRegister: '没有账号？注册', welcome: '欢迎回来' },
    register: {
      title: '注册会员', submit: '注册并登录', toLogin: '已有账号？登录', invitedBy: '你正在通过邀请码 {code} 注册',
      channel: '来源：{channel}', codeHint: '选填，好友分享的链接会自动填写', already: '你已登录（{phone}），点此进入“我的”',
    },
    products: { title: '商品', memberPrice: '会员价', listPrice: '原价', buy: '立即购买', stock: '库存 {n}', soldOut: '已售罄', activity: '活动商品' },
    checkout: {
      title: '确认订单', qty: '数量', total: '合计', create: '提交订单并支付', pay: '去支付',
      paySandbox: '沙箱支付（演示）', paying: '支付确认中…', paid: '支付成功', payHint: '演示店铺使用沙箱支付，不会真实扣款',
      cancel: '取消订单', payBefore: '请在 {t} 前完成支付，逾期订单自动取消',
    },
    orders: {
      title: '我的订单', all: '全部', confirm: '确认收货', refund: '申请退款', refundReason: '退款原因',
      refundAsked: '已提交退款申请', confirmed: '已确认收货', pay: '去支付', no: '订单号 {id}', tracking: '物流单号：{t}',
      confirmAsk: '确认已收到商品？', detail: '订单详情', paidAt: '付款时间',
    },
    team: {
      title: '我的团队', size: '团队人数', directs: '直推人数', memberDirects: '已购直推', sales: '团队业绩',
      units: '团队单数', byRank: '按等级', directList: '我的直推', members: '全部成员', level: '第 {n} 层',
      joined: '加入于 {t}',
    },
    earnings: { title: '收益明细', why: '为什么', order: '订单 {id}' },
    wallet: {
      title: '我的钱包', earnedTotal: '累计收益', withdraw: '申请提现', withdrawAll: '全部', amountPlaceholder: '输入提现金额（元）',
      min: '最低提现 {min}', fee: '手续费 {fee}', requested: '提现申请已提交', history: '提现记录', earnings: '收益明细',
      locked: '助力金未解锁：部分收益暂时冻结，解锁后转为可提现', reference: '流水号 {ref}',
    },
    invite: {
      title: '邀请好友', code: '我的邀请码', link: '邀请链接', copy: '复制链接', copied: '已复制',
      save: '保存海报', saved: '海报已保存', posterTitle: '邀你一起来 {shop}', posterScan: '长按或扫码注册',
      qrAlt: '邀请二维码', copyFail: '复制失败，请长按链接手动复制',
    },
    me: {
      title: '我的', rank: '等级', referrer: '推荐人', noReferrer: '无', wallet: '我的钱包', earnings: '收益明细',
      invite: '邀请好友', team: '我的团队', orders: '我的订单', memberId: '会员号 {id}',
    },
  },
  console: {
    title: '关系 · 管理后台',
    login: { title: '员工登录', name: '登录名', submit: '登录', memberDenied: '这是会员账号，不能进入管理后台。请使用员工账号登录。' },
    nav: {
      dashboard: '数据概览', members: '会员', orders: '订单', withdrawals: '提现', products: '商品', plan: '分佣方案',
      ledger: '账本', audit: '审计日志', staff: '员工', designer: '方案设计器',
    },
    dashboard: {
      period: '统计区间', sales: '销售额', orders: '订单数', newMembers: '新会员', payouts: '按规则的佣金',
      pools: '奖池余额', funnel: '转化漏斗', fans: '粉丝', buyers: '已购会员', partners: '合伙人',
      members: '会员总数', noReports: '服务器尚未提供统计接口，以下为账本数据', daily: '每日趋势',
      ledgerSum: '账本合计', ranks: '等级分布',
    },
    members: {
      search: '手机号前缀 / 会员号 / 邀请码', id: '会员号', phone: '手机号', rank: '等级', joined: '注册时间',
      channel: '渠道', referrer: '推荐人', leader: '团队长', mentor: '导师', position: '位置', depth: '层级',
      inviteCode: '邀请码', hasBought: '已购买', wallet: '钱包', team: '团队', children: '直推成员', directs: '直推数',
      setRank: '调整等级', rankSet: '等级已调整', earned: '累计收益', teamSize: '团队人数', teamSales: '团队业绩',
      orders: '订单', rebind: '改绑推荐人', rebound: '已改绑', ranks: '等级变动', byAdmin: '人工调整', earnedRank: '达标晋升',
    },
    orders: {
      id: '订单号', member: '会员', total: '金额', created: '下单时间', paid: '付款时间', items: '商品',
      ship: '发货', shipped: '已发货', refund: '退款', refunded: '已退款', rejectRefund: '驳回退款', refundRejected: '已驳回退款',
      refundAsk: '确认退款？已结算的订单会追回佣金。', all: '全部状态', tracking: '物流单号', reason: '退款原因',
    },
    withdrawals: {
      id: '编号', member: '会员', amount: '金额', fee: '手续费', net: '实付', requested: '申请时间', decided: '处理时间',
      pay: '打款', reject: '驳回', paidDone: '已标记打款', rejectedDone: '已驳回', reference: '银行流水号', note: '驳回原因',
      all: '全部状态',
    },
    products: {
      sku: 'SKU', name: '名称', price: '原价', memberPrices: '会员价', stock: '库存', status: '状态', activity: '活动',
      on: '上架', off: '下架', new: '新建商品', edit: '编辑商品', saved: '已保存', description: '描述',
    },
    plan: {
      current: '当前方案', version: '版本 {v}', ranks: '等级', activities: '活动', source: '方案文件', upload: '上传新版本',
      note: '说明', uploadHint: '粘贴或选择 TOML 方案文件，上传后从此刻起新付款的订单按新方案计算。', uploaded: '已上传版本 {v}',
      errorAtLine: '第 {line} 行：', versions: '历史版本', active: '生效中', notAvailable: '服务器尚未提供此功能',
      chooseFile: '选择文件', poolsFund: '奖池与帮扶基金', allProducts: '全部商品', skus: '商品',
    },
    ledger: {
      platform: '平台账户', buyers: '买家', revenue: '收入', payouts: '已付佣金', members: '会员余额合计', pools: '奖池',
      sum: '账本合计（应为 0）', memberCount: '会员数', orderCount: '订单数', ranks: '等级分布', day: '营业日',
      closeDay: '立即日结', closed: '已日结 {day}', closeAsk: '立即结算今天的奖池？',
    },
    audit: { at: '时间', actor: '操作人', action: '动作', target: '对象', detail: '详情', system: '系统' },
    staff: {
      create: '新建员工', login: '登录名', name: '姓名', role: '角色', created: '已创建员工 {phone}', list: '员工列表',
      noList: '员工列表需要服务器支持',
    },
    designer: {
      lint: '方案体检', lintOf: '方案 {plan} 的体检结果', noFindings: '没有发现问题', findings: '发现 {n} 项',
      trigger: '触发原因', fix: '建议修改', reference: '依据', notice: '以上结果仅供参考，不构成法律意见。业务是否合法还取决于实际经营方式。',
      payouts: '每件商品的最高支出', sku: '商品', activity: '活动', price: '价格', maxPerUnit: '每件最高支出', share: '占售价',
      rule: '规则', reaches: '发给', depth: '最深计酬层级', unbounded: '不限层级', wechat: '在微信内销售',
      lintEditor: '检查上传框里的方案', lintEditorHint: '检查尚未上传的方案文本', lintCurrent: '检查当前方案', editorEmpty: '上传框是空的',
      simulations: '经营模拟', simHint: '用虚拟人群在真实规则下跑一遍：人数、销售、佣金和谁赚到钱。模拟不影响店铺数据。',
      start: '开始模拟', started: '模拟 #{id} 已开始', running: '运行中', done: '已完成', failed: '失败', cancelled: '已取消',
      progress: '第 {day} / {days} 天 · {members} 人 · {orders} 单', earlier: '历史模拟', noSims: '还没有模拟',
      open: '查看', htmlReport: '完整报告（HTML）', scenarioToml: '场景文件（预览）', limits: '上限：{days} 天、{members} 人',
      f: {
        name: '场景名称', days: '模拟天数', seed: '随机种子', maxMembers: '市场规模（人）', founders: '创始会员（人）',
        foundersBuy: '创始会员购买比例 %', inviteWho: '谁会分享', buyers: '已购买礼包的会员', everyone: '所有注册用户',
        inviteDaily: '每天分享成功率 %', inviteesMin: '每次带来最少人数', inviteesMax: '每次带来最多人数',
        packageSku: '入会礼包', packageBuy: '注册后购买礼包比例 %', packageWithin: '注册后几天内购买',
        repurchaseSku: '复购商品', none: '不复购', repurchaseDaily: '每天复购概率 %', refund: '退款比例 %',
        settleAfter: '付款后几天结算', churn: '每天流失率 %',
      },
      summary: '结果摘要', members: '会员数', orders: '订单数', netSales: '净销售额', payoutRatio: '拨出比例',
      paidRatio: '已到会员手中', margin: '平台毛利', marginRatio: '毛利率', recovered: '回本率', neverRecovered: '未回本比例',
      earnings: '收益分布（已付款会员）', participants: '人数', median: '中位数', p90: '前 10% 门槛', p99: '前 1% 门槛', max: '最高',
      top1: '前 1% 占比', gini: '基尼系数', zero: '零收益人数',
      chartRanks: '各等级人数（每天）', chartMoney: '每天的销售、佣金与毛利', chartCumulative: '累计', chartRules: '每天按规则的佣金',
      sales: '销售额', payoutsDay: '佣金', marginDay: '毛利', day: '第 {d} 天', dayAxis: '天',
      calc: '计算器', calcMembers: '会员人数', calcLifetime: '终身消费', calcFission: '裂变人数', calculate: '计算',
      reach: '触达人数', fan: '粉丝转化率 %', deal: '成交转化率 %', member: '会员转化率 %',
      frequency: '购买频次', lifetime: '平均生命周期', ticket: '平均客单价', referrals: '每人推荐人数', levels: '裂变级数',
      generations: '代数', seeds: '种子用户', conversion: '转化率 %', market: '市场规模（0 为不限）',
      result: '结果', formula: '商家公式', projection: '按代推算', growth: '增长系数',
      codes: {
        entry_fee: '入门费：购买礼包才能获得计酬资格', recruitment: '拉人头：按发展人数计酬或晋级',
        team_pay: '团队计酬：按下线的购买给上线计酬', depth: '层级：三级及以上计酬',
        wechat_levels: '微信规则：超过两级分销', payout_over_30: '拨出比例超过售价的 30%',
      },
    },
  },
}

type Messages = typeof zh

const en: Messages = {
  common: {
    loading: 'Loading…', empty: 'Nothing here yet', retry: 'Retry', more: 'Load more', noMore: 'No more',
    save: 'Save', cancel: 'Cancel', confirm: 'OK', submit: 'Submit', search: 'Search', export: 'Export CSV',
    logout: 'Log out', language: '中文', back: 'Back', actions: 'Actions', status: 'Status', time: 'Time',
    amount: 'Amount', yes: 'Yes', no: 'No', done: 'Done', close: 'Close', refresh: 'Refresh', detail: 'Details',
  },
  fields: {
    phone: 'phone', password: 'password', invite_code: 'invite code', channel: 'channel', amount: 'amount',
    reference: 'payout reference', tracking: 'tracking number', name: 'name', price: 'price', stock: 'stock', sku: 'SKU',
    role: 'role', note: 'note', reason: 'reason', rank: 'rank', toml: 'plan file', items: 'items', qty: 'quantity',
    member_prices: 'member prices', status: 'status', description: 'description', referrer: 'referrer',
  },
  validate: {
    phone_required: 'Enter your phone number', phone_format: 'Enter an 11-digit mobile number starting with 1',
    password_required: 'Enter a password', password_short: 'At least 8 characters', password_long: 'At most 128 characters',
    amount_format: 'Enter an amount with at most two decimals', amount_positive: 'The amount must be above zero',
    amount_below_min: 'The smallest withdrawal is {min}', amount_over_available: 'More than the available {available}',
    required: 'Required', sku_required: 'Enter a SKU', sku_format: 'Letters, digits, dot, dash and underscore only',
    price_format: 'Enter a price with at most two decimals',
    int_range: 'Enter a whole number from {min} to {max}', percent: 'Enter a percentage from 0 to 100 with at most two decimals',
    scenario_name: 'Letters, digits, dots, dashes and underscores only (at most 64)', founders_over_max: 'Founders cannot outnumber the market',
    invitees_order: 'The most cannot be fewer than the fewest', int_range_generic: 'Enter a whole number in range', positive_number: 'Enter a number from 0 with at most two decimals',
  },
  errors: {
    network: 'Network problem; check the connection and retry', server_error: 'The server had a problem; try again later',
    unknown: 'That did not work', unauthorized: 'Your session expired; log in again', forbidden: 'You may not do this',
    not_found: 'Not found', missing_field: 'Fill in the {field}', malformed_json: 'Malformed request',
    invalid_field: 'The {field} is not valid', bad_credentials: 'Wrong phone number or password',
    too_many_attempts: 'Too many failed logins; try again in a moment',
    overloaded: 'The server is busy; try again in a moment', already_paid: 'This order is already paid',
    idempotency_key_reused: 'A repeated request; refresh and try again', phone_taken: 'This phone number is already registered',
    unknown_invite_code: 'No such invite code', out_of_stock: 'Out of stock', insufficient_balance: 'Not enough available balance',
    below_minimum: 'Below the smallest withdrawal', invalid_state: 'Not possible in the current state',
    withdrawal_closed: 'This withdrawal was already decided', order_expired: 'The order expired',
    day_already_closed: 'Today is already closed', plan_invalid: 'The plan has a mistake', invalid_plan: 'The plan has a mistake',
    referrer_fixed: 'A member who has bought keeps the referrer', not_a_fan: 'Only fans who have not bought can be moved',
    has_directs: 'The member has directs and cannot be moved', same_referrer: 'That is already the referrer',
    self_referral: 'A member cannot refer itself', fund_locked: 'The funds are locked', body_too_large: 'Too large',
    unknown_product: 'No such product, or it is off sale', unknown_order: 'No such order', unknown_member: 'No such member',
    unknown_withdrawal: 'No such withdrawal', unknown_rank: 'No such rank', order_refunded: 'The order was refunded',
    order_settled: 'The order is settled', invalid_amount: 'The amount is not valid (mind the smallest withdrawal)',
    invalid_scenario: 'The scenario has a mistake', too_many_simulations: 'A simulation is already running; try again shortly',
    no_report: 'The simulation has not finished; there is no report yet', scenario_too_large: 'The scenario is over the server’s limits (days or members)',
  },
  order: {
    created: 'Unpaid', paid: 'Paid', shipped: 'Shipped', received: 'Received', settled: 'Settled',
    cancelled: 'Cancelled', expired: 'Expired', refund_requested: 'Refund requested', refunded: 'Refunded',
  },
  withdrawal: { requested: 'Requested', paid: 'Paid', rejected: 'Rejected' },
  earned: { direct: 'Direct', team_point: 'Team point', differential: 'Differential', peer: 'Peer', pool: 'Pool share', indirect: 'Indirect', level: 'Level' },
  balance: { pending: 'Pending', available: 'Available', frozen: 'Frozen', withdrawing: 'Withdrawing' },
  role: { member: 'Member', owner: 'Owner', finance: 'Finance', operator: 'Operator', sales: 'Sales' },
  store: {
    title: 'guanxi shop', tabs: { home: 'Shop', orders: 'Orders', team: 'Team', me: 'Me' },
    login: { title: 'Member login', submit: 'Log in', toRegister: 'No account? Register', welcome: 'Welcome back' },
    register: {
      title: 'Become a member', submit: 'Register and log in', toLogin: 'Have an account? Log in',
      invitedBy: 'You are registering with invite code {code}', channel: 'Channel: {channel}',
      codeHint: 'Optional; a friend’s link fills it in', already: 'You are logged in ({phone}); tap to go to Me',
    },
    products: { title: 'Products', memberPrice: 'Member price', listPrice: 'List price', buy: 'Buy now', stock: '{n} in stock', soldOut: 'Sold out', activity: 'Package' },
    checkout: {
      title: 'Checkout', qty: 'Quantity', total: 'Total', create: 'Place order and pay', pay: 'Pay',
      paySandbox: 'Pay in the sandbox (demo)', paying: 'Confirming the payment…', paid: 'Paid', payHint: 'This demo shop pays through the sandbox; no money moves',
      cancel: 'Cancel order', payBefore: 'Pay before {t}; the order is cancelled after that',
    },
    orders: {
      title: 'My orders', all: 'All', confirm: 'Confirm receipt', refund: 'Ask for a refund', refundReason: 'Reason',
      refundAsked: 'Refund requested', confirmed: 'Receipt confirmed', pay: 'Pay', no: 'Order {id}', tracking: 'Tracking: {t}',
      confirmAsk: 'Did you receive the goods?', detail: 'Order', paidAt: 'Paid at',
    },
    team: {
      title: 'My team', size: 'Team size', directs: 'Directs', memberDirects: 'Directs who bought', sales: 'Team sales',
      units: 'Team units', byRank: 'By rank', directList: 'My directs', members: 'Everyone', level: 'Level {n}',
      joined: 'Joined {t}',
    },
    earnings: { title: 'Earnings', why: 'Why', order: 'Order {id}' },
    wallet: {
      title: 'Wallet', earnedTotal: 'Earned in all', withdraw: 'Withdraw', withdrawAll: 'All', amountPlaceholder: 'Amount in yuan',
      min: 'At least {min}', fee: 'Fee {fee}', requested: 'Withdrawal requested', history: 'Withdrawals', earnings: 'Earnings',
      locked: 'Your assistance fund is locked: part of your earnings stays frozen until it unlocks', reference: 'Reference {ref}',
    },
    invite: {
      title: 'Invite friends', code: 'My invite code', link: 'Invite link', copy: 'Copy link', copied: 'Copied',
      save: 'Save poster', saved: 'Poster saved', posterTitle: 'Join me at {shop}', posterScan: 'Scan to register',
      qrAlt: 'Invite QR code', copyFail: 'Could not copy; press and hold the link to copy it',
    },
    me: {
      title: 'Me', rank: 'Rank', referrer: 'Referrer', noReferrer: 'none', wallet: 'Wallet', earnings: 'Earnings',
      invite: 'Invite friends', team: 'My team', orders: 'My orders', memberId: 'Member {id}',
    },
  },
  console: {
    title: 'guanxi console',
    login: { title: 'Staff login', name: 'Login name', submit: 'Log in', memberDenied: 'This is a member account; the console is for staff. Log in with a staff account.' },
    nav: {
      dashboard: 'Dashboard', members: 'Members', orders: 'Orders', withdrawals: 'Withdrawals', products: 'Products', plan: 'Plan',
      ledger: 'Ledger', audit: 'Audit log', staff: 'Staff', designer: 'Plan designer',
    },
    dashboard: {
      period: 'Period', sales: 'Sales', orders: 'Orders', newMembers: 'New members', payouts: 'Payouts by rule',
      pools: 'Pool balances', funnel: 'Funnel', fans: 'Fans', buyers: 'Members who bought', partners: 'Partners',
      members: 'Members', noReports: 'The server has no report route yet; showing the ledger', daily: 'By day',
      ledgerSum: 'Ledger sum', ranks: 'Members by rank',
    },
    members: {
      search: 'Phone prefix / member id / invite code', id: 'ID', phone: 'Phone', rank: 'Rank', joined: 'Joined',
      channel: 'Channel', referrer: 'Referrer', leader: 'Leader', mentor: 'Mentor', position: 'Position', depth: 'Depth',
      inviteCode: 'Invite code', hasBought: 'Has bought', wallet: 'Wallet', team: 'Team', children: 'Direct referrals', directs: 'Directs',
      setRank: 'Set rank', rankSet: 'Rank set', earned: 'Earned', teamSize: 'Team size', teamSales: 'Team sales',
      orders: 'Orders', rebind: 'Move to referrer', rebound: 'Moved', ranks: 'Rank history', byAdmin: 'set by staff', earnedRank: 'earned',
    },
    orders: {
      id: 'Order', member: 'Member', total: 'Total', created: 'Created', paid: 'Paid', items: 'Items',
      ship: 'Ship', shipped: 'Shipped', refund: 'Refund', refunded: 'Refunded', rejectRefund: 'Reject refund', refundRejected: 'Refund rejected',
      refundAsk: 'Refund this order? Commissions of a settled order are clawed back.', all: 'Any status', tracking: 'Tracking number', reason: 'Refund reason',
    },
    withdrawals: {
      id: 'ID', member: 'Member', amount: 'Amount', fee: 'Fee', net: 'Net', requested: 'Requested', decided: 'Decided',
      pay: 'Pay', reject: 'Reject', paidDone: 'Marked paid', rejectedDone: 'Rejected', reference: 'Bank reference', note: 'Reason',
      all: 'Any status',
    },
    products: {
      sku: 'SKU', name: 'Name', price: 'List price', memberPrices: 'Member prices', stock: 'Stock', status: 'Status', activity: 'Activity',
      on: 'On sale', off: 'Off sale', new: 'New product', edit: 'Edit product', saved: 'Saved', description: 'Description',
    },
    plan: {
      current: 'Current plan', version: 'Version {v}', ranks: 'Ranks', activities: 'Activities', source: 'Plan file', upload: 'Upload a new version',
      note: 'Note', uploadHint: 'Paste or choose a TOML plan file; orders paid from then on follow the new version.', uploaded: 'Uploaded version {v}',
      errorAtLine: 'Line {line}: ', versions: 'Versions', active: 'Active', notAvailable: 'The server does not offer this yet',
      chooseFile: 'Choose file', poolsFund: 'Pools and the assistance fund', allProducts: 'All products', skus: 'Products',
    },
    ledger: {
      platform: 'Platform accounts', buyers: 'Buyers', revenue: 'Revenue', payouts: 'Payouts', members: 'Member balances in total', pools: 'Pools',
      sum: 'Ledger sum (always 0)', memberCount: 'Members', orderCount: 'Orders', ranks: 'By rank', day: 'Shop day',
      closeDay: 'Close the day now', closed: 'Closed {day}', closeAsk: 'Share out today’s pools now?',
    },
    audit: { at: 'Time', actor: 'Actor', action: 'Action', target: 'Target', detail: 'Detail', system: 'system' },
    staff: {
      create: 'New staff account', login: 'Login name', name: 'Name', role: 'Role', created: 'Created {phone}', list: 'Staff',
      noList: 'The staff list needs the server’s support',
    },
    designer: {
      lint: 'Plan check', lintOf: 'Findings for plan {plan}', noFindings: 'No findings', findings: '{n} findings',
      trigger: 'Raised by', fix: 'Suggested change', reference: 'Reference', notice: 'These findings are information, not legal advice. Whether a business is lawful depends on how it is run as well as on its plan.',
      payouts: 'Most the plan pays per unit', sku: 'Product', activity: 'Activity', price: 'Price', maxPerUnit: 'Most per unit', share: 'Of the price',
      rule: 'Rule', reaches: 'Paid to', depth: 'Deepest generation paid', unbounded: 'unbounded', wechat: 'Sold inside WeChat',
      lintEditor: 'Check the plan in the upload box', lintEditorHint: 'Check plan text before uploading it', lintCurrent: 'Check the current plan', editorEmpty: 'The upload box is empty',
      simulations: 'Simulations', simHint: 'A synthetic population joins and buys under the real rules: members, sales, payouts and who earns. Nothing is written to the shop.',
      start: 'Start simulation', started: 'Simulation #{id} started', running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled',
      progress: 'Day {day} / {days} · {members} members · {orders} orders', earlier: 'Earlier simulations', noSims: 'No simulations yet',
      open: 'Open', htmlReport: 'Full report (HTML)', scenarioToml: 'Scenario file (preview)', limits: 'Limits: {days} days, {members} members',
      f: {
        name: 'Scenario name', days: 'Days', seed: 'Random seed', maxMembers: 'Market size (people)', founders: 'Founders (people)',
        foundersBuy: 'Founders who buy %', inviteWho: 'Who shares', buyers: 'Members who bought the package', everyone: 'Everyone registered',
        inviteDaily: 'Daily chance of bringing people in %', inviteesMin: 'Fewest people each time', inviteesMax: 'Most people each time',
        packageSku: 'Entry package', packageBuy: 'Registered people who buy it %', packageWithin: 'Buy within days',
        repurchaseSku: 'Repurchase', none: 'None', repurchaseDaily: 'Daily repurchase chance %', refund: 'Refunded orders %',
        settleAfter: 'Settle after days', churn: 'Daily churn %',
      },
      summary: 'Summary', members: 'Members', orders: 'Orders', netSales: 'Net sales', payoutRatio: 'Payout ratio',
      paidRatio: 'Reached members', margin: 'Platform margin', marginRatio: 'Margin ratio', recovered: 'Recovered what they paid', neverRecovered: 'Never recovered',
      earnings: 'Earnings (members who paid)', participants: 'People', median: 'Median', p90: '90th percentile', p99: '99th percentile', max: 'Highest',
      top1: 'Top 1% share', gini: 'Gini', zero: 'Earned nothing',
      chartRanks: 'Members by rank (daily)', chartMoney: 'Sales, payouts and margin by day', chartCumulative: 'Cumulative', chartRules: 'Payouts by rule by day',
      sales: 'Sales', payoutsDay: 'Payouts', marginDay: 'Margin', day: 'Day {d}', dayAxis: 'day',
      calc: 'Calculators', calcMembers: 'Members', calcLifetime: 'Lifetime spend', calcFission: 'Fission', calculate: 'Calculate',
      reach: 'People reached', fan: 'Become fans %', deal: 'Fans who buy %', member: 'Buyers who join %',
      frequency: 'Purchases per period', lifetime: 'Lifetime in periods', ticket: 'Average ticket', referrals: 'Referrals per member', levels: 'Levels',
      generations: 'Generations', seeds: 'Seed members', conversion: 'Conversion %', market: 'Market size (0: none)',
      result: 'Result', formula: 'Merchants\' formula', projection: 'Projection by generation', growth: 'Growth factor',
      codes: {
        entry_fee: 'Entry fee: buying a package unlocks earning', recruitment: 'Recruitment: pay or rank by people recruited',
        team_pay: 'Team pay: uplines paid on downlines’ purchases', depth: 'Depth: three or more paid levels',
        wechat_levels: 'WeChat: more than two levels of distribution', payout_over_30: 'Payout above 30% of the price',
      },
    },
  },
}

export const LOCALE_KEY = 'gx.locale'

const inBrowser = typeof window !== 'undefined' && typeof localStorage !== 'undefined'

export function makeI18n() {
  const saved = inBrowser ? localStorage.getItem(LOCALE_KEY) : null
  const locale = saved === 'en' || saved === 'zh' ? saved : 'zh'
  if (inBrowser) document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en'
  return createI18n({ legacy: false, locale, fallbackLocale: 'zh', messages: { zh, en } })
}

export const i18n = makeI18n()

export function toggleLocale() {
  const next = i18n.global.locale.value === 'zh' ? 'en' : 'zh'
  i18n.global.locale.value = next
  localStorage.setItem(LOCALE_KEY, next)
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en'
}

export { zh, en }

// A plan's earned kind (direct, peer …) in the user's language, or its own name when unknown.
export function earnedLabel(name: string | undefined): string {
  if (!name) return ''
  const key = `earned.${name}`
  const t = i18n.global.t as (k: string) => string
  const text = t(key)
  return text === key ? name : text
}

// A field name as a form label: capitalised ("amount" → "Amount"; Chinese is unchanged).
export function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
