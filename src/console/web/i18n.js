// The console's words in both languages (zh-CN by default, en-US on request).
const WORDS = {
  'zh-CN': {
    title: '燃气服务热线', now: '现在', tickets: '工单', callbacks: '回访', figures: '指标', signOut: '退出', signIn: '登录',
    username: '用户名', password: '密码', wrongLogin: '用户名或密码错误', open: '营业中', closed: '已下班', nextChange: '下次变化',
    override: '日夜切换', mode: '模式', day: '日间', night: '夜间', until: '截止', reason: '原因', apply: '应用', liveCalls: '进行中的通话',
    none: '无', node: '节点', caller: '来电', since: '开始', lastEmergency: '最近一次紧急来电', acceptedIn: '接听用时', acceptedBy: '接听人',
    status: '状态', category: '类别', level: '等级', assignee: '处理人', deadline: '期限', reference: '编号', created: '创建',
    all: '全部', overdue: '已超期', claim: '认领', save: '保存', note: '备注', history: '历史', recording: '录音', back: '返回',
    nodeLost: '录音所在的节点 {node} 已失效，留言无法取回：请回拨来电人。',
    jobs: '回访任务', kind: '类型', number: '号码', attempts: '尝试', result: '结果', retry: '立即重拨', cancel: '取消', optOuts: '拒绝回访名单',
    add: '添加', remove: '移除', month: '月份', show: '显示', figure: '指标', value: '数值', target: '目标', noData: '无数据',
    emergency: '抢险热线', answerRateByDay: '每日接通率', acceptByDay: '每日紧急接听用时 (秒, 中位数)', download: '下载',
    printable: '打印页', saved: '已保存', callbackDetails: '回访与满意度', dutyLine: '值班热线', clearOverride: '恢复按日历',
    calendar: '日历', audit: '审计日志', date: '日期', name: '名称', source: '来源', configured: '配置文件', holiday: '节假日', 'makeup-workday': '调休上班',
    addDay: '添加日期', importIcal: '导入 iCalendar 文件', file: '文件', import: '导入', imported: '已导入', added: '新增', changed: '修改', unchanged: '未变',
    yearUnknown: '本年度没有节假日数据：热线会把节假日当作工作日。请添加或导入本年度安排。', calendarMissing: '未来 60 天内有年份缺少节假日数据：',
    openCalendar: '打开日历', actor: '操作人', action: '操作', fromDate: '从', toDate: '到', time: '时间', subject: '对象',
  },
  'en-US': {
    title: 'Gas hotline', now: 'Now', tickets: 'Tickets', callbacks: 'Callbacks', figures: 'Figures', signOut: 'Sign out', signIn: 'Sign in',
    username: 'Username', password: 'Password', wrongLogin: 'Wrong username or password', open: 'Open', closed: 'Closed', nextChange: 'Next change',
    override: 'Day/night switch', mode: 'Mode', day: 'Day', night: 'Night', until: 'Until', reason: 'Reason', apply: 'Apply', liveCalls: 'Calls in progress',
    none: 'None', node: 'Node', caller: 'Caller', since: 'Since', lastEmergency: 'Last emergency', acceptedIn: 'Accepted in', acceptedBy: 'Accepted by',
    status: 'Status', category: 'Category', level: 'Level', assignee: 'Assignee', deadline: 'Deadline', reference: 'Reference', created: 'Created',
    all: 'All', overdue: 'Overdue', claim: 'Claim', save: 'Save', note: 'Note', history: 'History', recording: 'Recording', back: 'Back',
    nodeLost: 'The recording was on node {node}, which is gone: the message cannot be reached. Call the caller back.',
    jobs: 'Callback jobs', kind: 'Kind', number: 'Number', attempts: 'Attempts', result: 'Result', retry: 'Retry now', cancel: 'Cancel', optOuts: 'Opt-out list',
    add: 'Add', remove: 'Remove', month: 'Month', show: 'Show', figure: 'Figure', value: 'Value', target: 'Target', noData: 'no data',
    emergency: 'Emergency line', answerRateByDay: 'Answer rate by day', acceptByDay: 'Emergency time to accept by day (s, median)', download: 'Download',
    printable: 'Printable page', saved: 'Saved', callbackDetails: 'Callbacks and survey', dutyLine: 'Duty line', clearOverride: 'Back to the calendar',
    calendar: 'Calendar', audit: 'Audit log', date: 'Date', name: 'Name', source: 'Source', configured: 'configuration', holiday: 'Holiday', 'makeup-workday': 'Make-up working day',
    addDay: 'Add a day', importIcal: 'Import an iCalendar file', file: 'File', import: 'Import', imported: 'Imported', added: 'added', changed: 'changed', unchanged: 'unchanged',
    yearUnknown: 'No holidays are known for this year: the hotline would treat them as working days. Add or import the year’s arrangement.', calendarMissing: 'The next 60 days reach a year with no holiday data:',
    openCalendar: 'Open the calendar', actor: 'Who', action: 'Action', fromDate: 'From', toDate: 'To', time: 'Time', subject: 'Subject',
  },
};

export let lang = localStorage.getItem('hotline.lang') ?? 'zh-CN';

export function setLang(l) {
  lang = WORDS[l] ? l : 'zh-CN';
  localStorage.setItem('hotline.lang', lang);
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
}

/** The word for `key` in the chosen language; {name} in it is replaced by values[name]. */
export function t(key, values = {}) {
  const text = WORDS[lang][key] ?? WORDS['en-US'][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}

export function fmtTime(iso) {
  return iso ? new Date(iso).toLocaleString(lang, { dateStyle: 'short', timeStyle: 'short' }) : '';
}

export function pct(v) {
  return v === null || v === undefined ? t('noData') : `${(v * 100).toFixed(1)} %`;
}
