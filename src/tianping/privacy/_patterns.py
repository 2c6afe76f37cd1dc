"""The candidate patterns: five grouped alternations run by polars' Rust regex kernel.

`PREFILTER` is a cheap union of anchors that every candidate contains; strings without
one skip the extraction passes.

Rust's regex engine has no lookaround, and Python's Unicode `\\b` sees no boundary between a
digit and a Chinese character. Every alternative therefore *absorbs* neighbouring characters
of its own class (`[0-9]*…[0-9]*`): a digit run that is too long is matched whole and then
rejected by the exact shape check, which is what `(?<![0-9])…(?![0-9])` would do. The left
neighbour of alphanumeric tokens is checked in Python once the offset is known.
"""

from __future__ import annotations

import re

from tianping.privacy._gazetteer import CITIES
from tianping.privacy._given_names import GIVEN_NAMES_EN

# Common surnames (single and compound); compound ones must come first in the alternation.
COMPOUND_SURNAMES = [
    "欧阳",
    "上官",
    "皇甫",
    "令狐",
    "诸葛",
    "司徒",
    "司马",
    "申屠",
    "夏侯",
    "贺兰",
    "完颜",
    "慕容",
    "尉迟",
    "长孙",
    "东方",
    "南宫",
    "西门",
    "公孙",
    "轩辕",
    "端木",
    "独孤",
    "宇文",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧"
    "耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙"
    "鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫"
    "米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
    # surnames that are seldom the first character of a common word (储, 勾, 晋 are, and
    # would turn 客户储蓄 or 用户勾选 into names), so they are safe after a context word
    "傅洪赖萧阎冼邰郜鄢阚芮裘嵇蔺谌辜逯昝晁栗仝亓扈狄胥邸阙奚卿匡尉"
)
PROVINCES = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
    "台湾",
    "香港",
    "澳门",
]
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Han characters of names and addresses, as a character class: the unified ideographs and
# extension A (U+3400-4DBF, U+4E00-9FFF) and extensions B to H (U+20000-323AF), where the
# rare characters of some people's names are (生僻字: 𠮷, 䶮); `han_at` in the kernel
HAN = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U000323af"
PROVINCE_SUFFIXES = ["省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区"]
PLATE_SUFFIXES = "挂学警港澳"
NAME_SEPARATORS_ZH = ":：为是"  # may stand between a context word and a name
# and then one space, ASCII or ideographic (审判员　黄金凤, as judgments set them)
NAME_SPACES_ZH = " \u3000"

NAME_CONTEXT_ZH = [
    "姓名",
    "联系人",
    "收件人",
    "收货人",
    "寄件人",
    "客户",
    "用户",
    "患者",
    "员工",
    "申请人",
    "持卡人",
    "户主",
    "法定代表人",
    "负责人",
    "借款人",
    "投保人",
    "被保险人",
    "学生",
    "家长",
    "我叫",
    "我是",
    "本人",
    "签名",
    # form labels and roles that a name follows (账户名：王勇, 监护人李娜); not those whose
    # first character is common in prose (发件人, 经办人, 当事人, 主持人, 代理人): the
    # kernel's CJK loop stops at each such character, which cost Chinese prose a fifth
    # more time for all of them, and 1-2% (within noise) for these
    "审批人",
    "审核人",
    "签收人",
    "领款人",
    "账户名",
    "户名",
    "监护人",
    "法人代表",
    "委托人",
    "证人",
    "房主",
    "承租人",
    "乘客",
    "旅客",
    "填表人",
    "配偶",
    "父亲",
    "母亲",
    # parties and court staff in judgments (裁判文书: 原告张建国，男，…; 审判长 孙伟); 被告人
    # before 被告, which it starts with
    "委托诉讼代理人",
    "诉讼代理人",
    "法定代理人",
    "被上诉人",
    "上诉人",
    "被申请人",
    "被告人",
    "被告",
    "原告",
    "第三人",
    "辩护人",
    "被害人",
    "审判长",
    "审判员",
    "陪审员",
    "书记员",
    "犯罪嫌疑人",
    "罪犯",
    # roles a name follows in records, notices and news, found missing on the held-out
    # corpus (benchmarks/data/pi_heldout; 司机张伟, 记者王丽娜, 机动车所有人黄俊杰)
    "被继承人",
    "被执行人",
    "申请执行人",
    "所有人",
    "驾驶人",
    "驾驶员",
    "当事人",
    "行政相对人",
    "执法人员",
    "法官助理",
    "法官",
    "嫌疑人",
    "记者",
    "通讯员",
    "发言人",
    "律师",
    "局长",
    "校长",
    "院长",
    "董事长",
    "总经理",
    "居民",
    "村民",
    "入住人",
    "乘车人",
    "乘机人",
    "购票人",
    "预订人",
    "下单人",
    "骑手",
    "司机",
    "快递员",
    "配送员",
    "店长",
    "经营者",
    "会员",
    "车主",
    "房东",
    "买家",
    "卖家",
    "丈夫",
    "妻子",
    "儿子",
    "女儿",
    "之子",
    "之女",
    "我妈",
    "我爸",
    "主治医生",
    "主治医师",
    "医师",
    "护士",
    "经办人",
    "开户名",
    "收款人",
    "付款人",
    "汇款人",
    "持有人",
    "担保人",
    "保证人",
    "受益人",
    "出租方",
    "承租方",
    "出租人",
    "甲方",
    "乙方",
    "考生",
    "班主任",
    "名字",
    # more roles, found missing on the held-out corpus's dev half or of the same kind
    # (候选人贺子轩, 主人凌小雅, 报案人严俊, 亲爱的方思远, 会员实名：巴图·孟和)
    "候选人",
    "应聘者",
    "求职者",
    "学员",
    "主人",
    "客人",
    "游客",
    "家属",
    "住户",
    "租客",
    "房客",
    "病人",
    "伤者",
    "报案人",
    "报警人",
    "举报人",
    "投诉人",
    "亲爱的",
    "实名：",
    "实名:",
    "声明：",
    # the name a greeting addresses, or first speaks of (家长您好，赵梓睿今天…)
    "您好，",
    # the first name of a published list (拟推荐名单：夏雨涵、丁浩…; the rest are not read)
    "名单：",
    "名单:",
    "公示：",
    # any role ending in 人, 员, 者, 生, 师 or 客 before a colon (探视人：, 证明人:, 执法人员：,
    # 申请者：, 送检医生:, 律师：, 游客：): a form's label for the person named after it
    "人：",
    "人:",
    "员：",
    "员:",
    "者：",
    "者:",
    "生：",
    "生:",
    "师：",
    "师:",
    "客：",
    "客:",
    "Customer",
    "customer",
    "Name",
    "Contact",
    "guest",
    "Guest",
]
# titles after a name, and greetings that follow one (周敏您好, 钟南你好)
NAME_TITLES_ZH = [
    "先生",
    "女士",
    "小姐",
    "同学",
    "老师",
    "医生",
    "经理",
    "阿姨",
    "师傅",
    "您好",
    "你好",
    # a title in brackets (蒋文博（先生）), and the sex after a name in notices, judgments and
    # lists (潘雨婷，女，准考证号…)
    "（先生）",
    "（女士）",
    "(先生)",
    "(女士)",
    "，男，",
    "，女，",
    ",男,",
    ",女,",
]
NAME_CONTEXT_EN = [
    "Name",
    "name",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Dr.",
    "Mr",
    "Mrs",
    "Ms",
    "Dear",
    "customer",
    "Customer",
    "patient",
    "Patient",
    "contact",
    "Contact",
    "applicant",
    "Applicant",
    "holder",
    "Holder",
    "by",
    "用户",
    "客户",
    "联系人",
    "姓名",
    "收件人",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Abbreviations (each a prefix of its month's name), written with or without a dot:
# "Feb 3, 1977", "4 Sept. 1993"
MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec"]

# Characters that rarely end a Chinese given name but often follow one in prose.
NAME_STOP = "的是在和与及于说已将把被向给对也都就还又先女电手身住家请要从为有到年月日号了"
# Two-character words that often follow a name in records ("用户王勇登录", "客户傅涛申请"):
# where a name read after a context word ends with the first character of one of these,
# that character belongs to the word, not to the name.
NAME_FOLLOWERS_ZH = (
    "登录", "登陆", "注册", "注销", "申请", "提交", "购买", "下单", "支付", "付款", "退款", "退货",
    "投诉", "咨询", "反馈", "反映", "来电", "致电", "预约", "办理", "签署", "签收", "签字", "确认",
    "同意", "拒绝", "取消", "修改", "查询", "领取", "开通", "绑定", "解绑", "上传", "下载", "填写",
    "联系", "负责", "表示", "认为", "指出", "介绍", "参加", "出席", "入住", "入院", "出院", "就诊",
    "住院", "已经", "正在", "曾经", "目前", "现在", "今天", "昨天", "明天", "因为", "所以", "但是",
    "如果", "还是", "或者", "以及", "通过", "使用", "完成", "发起", "收到", "发送", "回复", "留言",
    "评价", "身份", "电话", "手机", "邮箱", "地址", "账号", "账户", "密码", "信息", "年龄", "性别",
)  # fmt: skip
# What follows a name that opens a sentence with no context word before it ("王勇表示",
# "李娜在会议上介绍"): verbs of saying and presenting, and where they were said (not 说
# or 称 alone: 小说, 说明, 名称 and 简称 start or end too many words). A surname,
# one or two characters and one of these, at a row start or after 。！？；or a line end.
NAME_PREDICATES_ZH = (
    "表示", "指出", "认为", "强调", "介绍", "透露", "坦言", "回忆", "告诉", "提出", "主持", "出席",
    "发言", "讲话", "致辞", "汇报", "在会上", "在会议上", "在大会上", "在座谈会上",
    "在发布会上", "在接受",
)  # fmt: skip
# (ASCII !?; too: a row with full-width letters is read with ！？； folded to them)
SENTENCE_ENDS_ZH = "。！？；!?;\n"
SENTENCE_ENDS_CJK = "".join(c for c in SENTENCE_ENDS_ZH if c > "\x7f")  # 。！？；
# Common words that start with a surname character ("用户申请", "负责人任命"): not names.
NOT_NAME_ZH = (
    "申请", "任命", "单独", "成功", "成为", "成立", "成本", "时政", "时间", "时候", "安全", "安装",
    "管理", "高度", "高级", "方面", "方式", "方法", "向上", "向下", "于是", "和平", "金额", "金融",
    "明确", "明显", "明天", "文件", "文化", "文字", "常用", "常见", "应用", "应当", "应该", "车辆",
    "车牌", "路线", "司机", "余额", "全部", "全面", "全国", "通过", "包括", "包含", "关于", "关键",
    "关闭", "关注", "强制", "严格", "严重", "连接", "项目", "石油", "华为", "信息", "程序", "程度",
    "方案", "计划", "提供", "使用", "开通", "支付", "平台", "政策", "服务", "范围", "江湖", "黄金",
    "田园", "左右", "左侧", "史上", "甘愿", "邓小", "季度", "汤圆", "齐全", "童年", "艾滋", "庞大",
    "吉祥", "宫殿", "尚未", "易于", "凌晨", "夏天", "夏季", "秦朝", "韩国", "卫生", "卫星", "雷达",
    "康复", "贺卡", "于此", "万元", "万一", "钱包", "孔子", "曹操", "毛巾", "蒋介",
    "游戏", "商品", "简介", "关系", "单位", "谢谢", "解决", "查看", "文章", "任何", "全会",
    "常委", "党委", "党组", "江苏", "江西", "甘肃", "宁夏", "吉林", "安徽",
    # subjects of 表示/指出 in news text that start with a surname (林业局表示, 党中央强调)
    "林业", "高校", "高管", "高层", "司法", "许多", "党中", "全体", "全省", "全市", "全球",
    "全员", "常务", "郑州", "温州", "柳州", "万科", "苏宁", "华润", "石化",
    # words the held-out corpus read as names (高兴地告诉您, 被害人陈述, 安排师傅…)
    "马上", "安排", "陈述", "高兴地", "高兴的", "方便", "李子", "周末", "张贴", "应于", "应限",
    "应在", "应由", "应按", "和手", "农村", "成都",
    # 和 is a rare surname and the commonest conjunction (负责人和管理机构); 用户连续使用…
    "和", "连续", "申诉",
    # before a number (文本框 13600001111), after a greeting (您好，麻烦…)
    "文本", "麻烦", "祝您", "祝你",
)  # fmt: skip
# What follows a name that opens a sentence with no context word before it ("Dennis Sweeney
# signed the contract"): verbs a person, rarely an organisation, is the subject of. Two or
# three capitalised words and one of these, at a row start or after a sentence end.
NAME_PREDICATES_EN = (
    "said", "says", "signed", "wrote", "told", "asked", "explained", "replied", "agreed",
    "complained", "emailed", "called",
)  # fmt: skip
# Words a version number follows ("Firmware 8.10.130.0", "固件版本 2.1.0.18"): four numbers
# with dots there are no IPv4 address. The word, then up to three characters that are no
# digits, just before the match.
VERSION_WORDS = ("版本", "固件", "version", "Version", "VERSION", "firmware", "Firmware")
# Capitalised words that make a "name" an organisation, role or title instead.
NOT_NAME_EN = (
    "Officer", "Management", "Manager", "Department", "Team", "Data", "Protection", "Risk",
    "Model", "Committee", "Group", "Company", "Ltd", "Inc", "Bank", "Service", "Services",
    "Center", "Centre", "Office", "University", "Policy", "The", "Of", "And", "Security",
    "Privacy", "Board", "Director", "Support", "Compliance", "Legal", "Council", "Ministry",
    "Bureau", "Association", "Institute", "Authority", "Agency", "Administration",
    "Engineering", "Product", "Review", "Operations", "Assessment", "Governance", "Audit",
    "Safety", "Quality", "Research", "Lab", "Labs", "Project",
    # senders that are systems, as mail's address headers name them
    "Mail", "Mailer", "Delivery", "Subsystem", "System", "Systems", "Microsoft", "Outlook",
    "Exchange", "Reply", "Notification", "Notifications", "Alert", "Alerts", "Admin",
    "Administrator", "Postmaster", "Calendar", "Helpdesk", "Newsletter", "Billing",
    "Noreply", "User", "Users", "Bot", "Robot", "Daemon",
    # words that open a sentence before a name ("Yesterday John Smith said")
    "Yesterday", "Today", "Tomorrow", "Then", "Later", "Finally", "However", "Also", "But",
    "So", "Meanwhile", "Here", "There", "When", "After", "Before", "Now", "Earlier", "Last",
    "This", "That", "Our", "Your", "His", "Her", "Their", "Its", "Customers", "Please",
    # places and firms whose first word is a given name (Sophia Street, Grant Hotel): read
    # from a given name, "names" are these too (not words that are common surnames as well:
    # Lane, West, Day, Brand)
    "Street", "Road", "Avenue", "Drive", "Boulevard", "Square", "Plaza", "Tower", "Towers",
    "Building", "Hotel", "Airport", "Station", "Bridge", "Harbour", "Harbor", "Bay", "Beach",
    "Island", "Mountain", "Lake", "Valley", "Gardens", "Mall", "Market", "Hospital", "Clinic",
    "School", "College", "Academy", "Church", "Museum", "Theatre", "Theater", "Stadium",
    "Airlines", "Airways", "Express", "Holdings", "Capital", "Partners", "Financial",
    "International", "Global", "Technologies", "Technology", "Solutions", "Consulting",
    "Motors", "Pharma", "City", "County", "State", "Province", "District", "Region",
    "Republic", "Kingdom", "Foundation", "Fund", "Award", "Prize", "Cup", "Festival",
    "Conference",
)  # fmt: skip

# a surname: compound ones first, as the alternation needs
SURNAME_RX = "|".join(COMPOUND_SURNAMES) + "|[" + SURNAMES + "]"
# a dotted name (阿依古丽·买买提: Uyghur, Kazakh and foreign names as Chinese writes them),
# read before the surname form after a context word
NAME_DOTS = "·•・"
DOTTED_NAME = f"[{HAN}]{{1,8}}[{NAME_DOTS}][{HAN}]{{1,10}}"
# A list of names after a found one (名单：夏雨涵、丁浩、慕容晓彤; 执法人员：刘明（执法证号
# 31010123005）、张静): after a Chinese name, an optional note in brackets of up to
# `NAME_LIST_NOTE` characters, 、, and a surname with one or two characters or a dotted
# name, which must end at one of `NAME_LIST_ENDS` or the text's end. Each name so found
# continues the list in turn.
NAME_LIST_SEP = "、"
NAME_LIST_NOTE = 20
NAME_LIST_ENDS = "、，,。；;（(）) "
# A name right before a contact number, an identity document's number or a birth date, with
# no context word before it (季红梅 0755-86012345, 刘婷，手机159…, 彭立新 护照号 G38271605,
# 钱语桐（2017年9月30日出生）): a surname
# and one or two characters, then at most one of `NAME_ID_SEPS`, one of `NAME_ID_LABELS`,
# and one of `NAME_ID_SEPS_AFTER`, each optional, then a finding of `NAME_ID_TYPES`. The
# leftmost such name within reach is taken; none if it is a common word, a role (车主,
# 房东), ends with a title (王先生) or with a character that ends names of places and
# bodies (`NOT_NAME_ENDS`: 公安局, 华夏银行), or holds a label (方手机 of 乙方手机). Bank
# cards are left out: bank names end so.
NAME_ID_TYPES = (
    "cn_mobile", "cn_landline", "cn_resident_id", "cn_resident_id_15", "cn_passport",
    "hk_macao_permit", "tw_permit", "phone", "email", "date_of_birth",
)  # fmt: skip
NAME_ID_LABELS = (
    "手机号码", "手机号", "手机", "电话号码", "联系电话", "电话", "身份证号码", "身份证号",
    "身份证", "证件号码", "证件号", "护照号码", "护照号", "护照", "台胞证号码", "台胞证号",
    "台胞证", "通行证号码", "通行证号", "通行证", "驾驶证号", "邮箱", "Tel", "tel", "TEL",
    "Phone", "phone", "Mobile", "mobile", "ID",
)  # fmt: skip
# how many characters back such a name may start: the longest name (a compound surname and
# two characters), a separator, a label and a separator; no match is longer, so the window
# never cuts one (the kernel counts on it)
NAME_ID_REACH = max(map(len, COMPOUND_SURNAMES)) + 2 + 1 + max(map(len, NAME_ID_LABELS)) + 1
NAME_ID_SEPS = " ，,：:\u3000（("
NAME_ID_SEPS_AFTER = " ：:"
NOT_NAME_ENDS = "局行院所部处科室厅站队司店厂馆校会社组团委办市区县省"
# what no name before an ID ends with: those characters, two schools (not 中 alone, which
# ends many given names: 王建中), a title, or the start of a label that ends with a shorter
# one (陆联系 before 电话 is 大陆联系电话)
_LABEL_HEADS = {a[: -len(b)] for a in NAME_ID_LABELS for b in NAME_ID_LABELS if a.endswith(b)}
NOT_BEFORE_ID_ENDS = (
    *NOT_NAME_ENDS, "高中", "初中", *NAME_TITLES_ZH, *sorted(_LABEL_HEADS - {""}),
)  # fmt: skip
# a note in brackets between a role and the name (上诉人（原审被告）陈晓东)
ROLE_NOTE = "(?:（[^）]{1,8}）)?"
_ZH_NAME = (
    f"(?:{'|'.join(NAME_CONTEXT_ZH)}){ROLE_NOTE}[{NAME_SEPARATORS_ZH}]?[{NAME_SPACES_ZH}]?"
    f"(?:{DOTTED_NAME}|(?:{SURNAME_RX})[{HAN}]{{1,2}})"
    f"|(?:{SURNAME_RX})[{HAN}]{{0,2}}(?:{'|'.join(map(re.escape, NAME_TITLES_ZH))})"
)
# the name that opens a sentence: its own alternative (and kind), after address_zh in the
# group, so that `^` and the end mark are the only text it takes before the name; a
# surname and one or two characters, or a dotted name (阿依古丽·买买提表示)
_PREDICATES_ZH = "|".join(NAME_PREDICATES_ZH)
# (the dotted name's second part as short as a verb still follows: "欧阳·娜娜在会议上发言";
# its parts are not counted, as counted runs of Han here made polars' group 4 seven times
# slower on Chinese prose: 167 to 25 MB/s, 134 uncounted)
LEAD_NAME_ZH = f"(?:{SURNAME_RX})[{HAN}]{{1,2}}|[{HAN}]+[{NAME_DOTS}][{HAN}]+?"
# A dotted name's first part runs from the sentence start, so prose before a name in the
# same sentence would be read into it ("记者采访了古丽·买买提表示"): one holding these
# function words is no name (都 is left out: 阿不都热依木).
DOTTED_LEAD_STOP = "了的是在和与把被对从向给为说"
_ZH_NAME_LEAD = f"(?:^|[{SENTENCE_ENDS_ZH}])[ ]?(?:{LEAD_NAME_ZH})(?:{_PREDICATES_ZH})"
_ZH_ADDR = (
    f"(?:{'|'.join(PROVINCES)})(?:{'|'.join(PROVINCE_SUFFIXES)})"
    f"[{HAN}A-Za-z0-9-]{{2,40}}(?: [0-9]{{6}})?"
)
# an address that starts with a prefecture-level city (深圳市南山区…): its own group, as the
# 326 names in group 4's alternation made polars' lazy DFA ten times slower (58.9 to 6.7
# MB/s on the dense corpus; alone 281 MB/s)
_ZH_ADDR_CITY = f"(?:{'|'.join(CITIES)})[{HAN}A-Za-z0-9-]{{2,40}}(?: [0-9]{{6}})?"
# Labels an address follows in forms and records, whatever it starts with (地址：海淀区中关村
# 大街27号): each ends with 址, a rare character, where the kernel looks for them
ADDRESS_LABELS_ZH = (
    "收货地址", "送货地址", "通讯地址", "联系地址", "家庭地址", "家庭住址", "居住地址",
    "户籍地址", "现住址", "地址", "住址",
)  # fmt: skip
ADDRESS_LABEL_SEPS = "：:"
_ZH_ADDR_LABEL = (
    f"(?:{'|'.join(ADDRESS_LABELS_ZH)})[{ADDRESS_LABEL_SEPS}]?[ ]?"
    f"[{HAN}A-Za-z0-9-]{{2,40}}(?: [0-9]{{6}})?"
)
# the lowercase letters of an English name's words: ASCII and Latin-1's (Fernández, Müller,
# Strauß, Ørsted's ø), so that no accented letter cuts a name short and is left showing
NAME_LOWER = "a-zß-öø-ÿ"
_NAME_WORD = f"[A-Z][{NAME_LOWER}]+"
_EN_NAME = (
    "(?:"
    + "|".join(re.escape(w) for w in NAME_CONTEXT_EN)
    + f")[:]? {_NAME_WORD}(?: {_NAME_WORD}){{1,2}}"
)
# a name read from its given name, with no context word (Rebecca Hale, Elizabeth Anne
# Walker, Li Qiang): a word of `GIVEN_NAMES_EN` at an ASCII word start, a middle name or
# initial, and a surname (O'Connor, McDonald, Al-Sayed); its own group, as the 6,000 names
# would slow the other English alternatives down
_EN_GIVEN = (
    "(?-u:\\b)(?:" + "|".join(GIVEN_NAMES_EN) + f") (?:(?:{_NAME_WORD}|[A-Z]\\.) )?"
    f"(?:O'|Mc)?{_NAME_WORD}(?:-{_NAME_WORD})?"
)
# (an ASCII word boundary after the verb: "said了" ends a sentence too)
_EN_NAME_LEAD = (
    "(?:^|[.!?;] |["
    + SENTENCE_ENDS_CJK
    + f"] ?|\n){_NAME_WORD}(?: {_NAME_WORD}){{1,2}} (?:"
    + "|".join(NAME_PREDICATES_EN)
    + ")(?-u:\\b)"
)
# A street address: a flat before the number (Flat 4, 27 Queen's Road…), number, street (a
# word may be an ordinal or a compass point: 215 E 68th Street), apartment, suite, unit or
# flat (Apt 5C), one or more places, and the US state and ZIP code, the Canadian province
# and postal code, the Australian state and postcode or the UK postcode (12 Elm Grove,
# Didsbury, Manchester M20 6PL); or places up to Hong Kong or Kowloon, which have no
# postcodes (88 Queen's Road Central, Central, Hong Kong)
AU_STATES = ("NSW", "VIC", "QLD", "TAS", "ACT", "WA", "SA", "NT")
HK_PLACES = ("Hong Kong", "Kowloon")
_UK_POSTCODE = "[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}"
_CA_POSTCODE = "[A-Z][0-9][A-Z] [0-9][A-Z][0-9]"
_EN_PLACE = ", [A-Z][a-z]+(?: [A-Z][a-z]+)*"
_EN_APT = r"(?:Apt\.?|Suite|Unit|Flat) [0-9]{1,5}[A-Z]?"
_EN_ADDR = (
    f"(?:{_EN_APT}, )?"
    r"[0-9]{1,5}(?: (?:[A-Z][a-z]+(?:'s)?|[0-9]{1,3}(?:st|nd|rd|th)|[NSEW])){1,4}"
    f"(?:,? {_EN_APT})?"
    f"(?:(?:{_EN_PLACE})+"
    f"(?:, [A-Z]{{2}} [0-9]{{5}}|, [A-Z]{{2}} {_CA_POSTCODE}"
    f"| (?:{'|'.join(AU_STATES)}) [0-9]{{4}}| {_UK_POSTCODE})"
    f"|(?:{_EN_PLACE})*, (?:{'|'.join(HK_PLACES)})(?-u:\\b))"
    # US military mail (APO/FPO/DPO)
    r"|(?:USNS|USNV|USS|USCGC) [A-Z][a-z]+, FPO A[AEP] [0-9]{5}"
    r"|(?:PSC|Unit) [0-9]{4},? Box [0-9]{4}, [ADF]PO A[AEP] [0-9]{5}"
)
_MONTH = "(?:" + "|".join(MONTHS) + "|(?:" + "|".join(MONTH_ABBR) + r")\.?)"
_DAY = "(?:[12][0-9]|3[01]|0?[1-9])"
_YEAR = "(?:19|20)[0-9]{2}"
# ISO and Chinese dates; English ones, month or day first (March 14, 1985; 4 September
# 1993); and day and month as numbers before the year (03/14/1985, 14.03.1985), read month
# first after '/' and day first after '.' where both are dates (`_dob`)
_DOB = (
    r"(?:19|20)[0-9]{2}(?:-|/|\.|年)(?:0?[1-9]|1[0-2])(?:-|/|\.|月)(?:[12][0-9]|3[01]|0?[1-9])日?"
    f"|{_MONTH} {_DAY}, {_YEAR}|{_DAY} {_MONTH} {_YEAR}"
    f"|{_DAY}/{_DAY}/{_YEAR}|{_DAY}\\.{_DAY}\\.{_YEAR}"
)

# Order matters only where two alternatives can start at the same position.
ALTERNATIVES: dict[str, str] = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    "address_en": _EN_ADDR,
    "mac": r"[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}[0-9A-Fa-f]*",
    "ipv6": r"(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f:]*|::(?:[0-9A-Fa-f]{1,4}:?)+",
    "ipv4": r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?:\.?[0-9])*",
    "dob": _DOB,
    "uscc": r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}[0-9A-Za-z]*",
    "passport": r"(?:E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8}|(?:DE|SE|PE)[0-9]{7})[0-9A-Za-z]*",
    "hkmo": r"[HM][0-9]{8}[0-9A-Za-z]*",
    # (a dot after the letter, as signs and notices print it: 粤B·7K29M)
    "plate": f"[{PLATE_PROVINCES}][A-Z][{NAME_DOTS}]?[0-9A-Z]{{4,6}}[{PLATE_SUFFIXES}]?",
    # (the number may be printed in two groups, 3825 6710, and an extension follow: -8021)
    "landline": r"(?:\(0[1-9][0-9]{1,2}\) ?|0[1-9][0-9]{1,2}-)(?:[0-9]{7,8}|[0-9]{3,4} [0-9]{4})"
    r"(?:-[0-9]{1,5})?[0-9]*",
    "card_grouped": r"[3-6][0-9]{3}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,3})?[0-9]*",
    "mobile": r"(?:(?:\+|00)86[ -]?1[3-9][0-9]{9}"
    r"|(?:(?:\+|00)86[ -]?)?1[3-9][0-9](?:[ -][0-9]{4}){2})[0-9]*",
    "phone_us": r"(?:\+1[ .-]?)?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[.-])[0-9]{3}[.-][0-9]{4}"
    r"(?:x[0-9]{1,5})?",
    # another country's number in international form (+852 9123 4567, +44 20 7946 0958):
    # '+', a country code that is not 1 or 86 (`_phone_intl`), digits in groups
    "phone_intl": r"\+[2-9][0-9]*(?:[ -][0-9]+)*",
    "number": r"[0-9]{8,}[Xx]?",
    "name_zh": _ZH_NAME,
    "address_zh": _ZH_ADDR,
    "address_city": _ZH_ADDR_CITY,
    "address_label": _ZH_ADDR_LABEL,
    "name_en": _EN_NAME,
    "name_zh_lead": _ZH_NAME_LEAD,
    "name_en_lead": _EN_NAME_LEAD,
    "name_en_given": _EN_GIVEN,
}

# One big alternation makes the lazy DFA thrash (counted digit repetitions multiply its
# states: 5 MB/s measured); these groups each stay at 200-400 MB/s per core (grouping
# chosen by measuring alternatives on the corpus).
GROUPS: tuple[tuple[str, ...], ...] = (
    ("number", "mobile", "card_grouped"),
    ("ipv4", "landline", "phone_us", "phone_intl"),
    ("address_en", "name_en", "dob", "name_en_lead"),
    ("email", "mac", "ipv6", "uscc", "passport", "hkmo"),
    ("plate", "name_zh", "address_zh", "name_zh_lead"),
    ("address_city",),
    ("address_label",),
    ("name_en_given",),
)
GROUP_PATTERNS: tuple[str, ...] = tuple(
    "|".join(f"(?:{ALTERNATIVES[k]})" for k in g) for g in GROUPS
)
COMBINED = "|".join(f"(?:{p})" for p in ALTERNATIVES.values())
# The same groups with the text before each match: `extract_all` then returns consecutive
# pieces (gap + match) whose lengths add up to offsets, at the speed of the plain pattern.
# The match is the piece's suffix found by the end-anchored pattern (a reverse search over
# the match only; its leftmost start is the match's start, or the forward scan would have
# stopped earlier).
GAP_PATTERNS: tuple[str, ...] = tuple(f"(?s:.)*?(?:{p})" for p in GROUP_PATTERNS)
TAIL_PATTERNS: tuple[str, ...] = tuple(f"(?:{p})$" for p in GROUP_PATTERNS)

_PROVINCE_SUFFIX = "|".join(PROVINCE_SUFFIXES)
# A string without any of these anchors has no candidate: every alternative above contains
# one of them (checked alternative by alternative in tests/privacy/test_detect.py). It is
# one `str.contains` pass at ~450 MB/s per core, so sparse text skips the five extraction
# passes. Keep it a superset whenever an alternative changes.
PREFILTER = "|".join(
    [
        "[0-9]{5}",  # long digit runs: IDs, cards, mobiles, codes, passports, ZIP codes
        f" (?:{_UK_POSTCODE}|{_CA_POSTCODE}|(?:{'|'.join(AU_STATES)}) [0-9]{{4}})",  # postcodes
        "[0-9][ .-][0-9]{4}",  # grouped cards and mobiles, US phones
        r"\+[2-9]",  # international phone numbers
        "[0-9]{4}[-/.年][0-9]",  # ISO and Chinese dates
        ", (?:" + "|".join(HK_PLACES) + ")",  # Hong Kong addresses: no postcode
        r"[0-9]\.[0-9]{1,3}\.[0-9]",  # IPv4
        "[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-]",  # MAC
        ":[0-9A-Fa-f]{0,4}:",  # IPv6
        "@",  # email
        f"[{PLATE_PROVINCES}][A-Z]",  # licence plates
        "(?:" + "|".join(MONTHS + MONTH_ABBR) + ")[.]? [0-9]",  # English dates
        "[0-9] (?:" + "|".join(MONTHS + MONTH_ABBR) + ")",
        "[0-9][/.](?:19|20)[0-9]{2}",  # 03/14/1985, 14.03.1985
        "(?:" + "|".join(re.escape(w) for w in NAME_CONTEXT_ZH + NAME_TITLES_ZH) + ")",
        "(?:" + "|".join(NAME_PREDICATES_ZH) + ")",  # names opening a sentence
        f"[{NAME_LOWER}] (?:" + "|".join(NAME_PREDICATES_EN) + ")",
        "(?:" + "|".join(PROVINCES) + ")(?:" + _PROVINCE_SUFFIX + ")",
        "(?:" + "|".join(CITIES) + ")",
        "(?:" + "|".join(ADDRESS_LABELS_ZH) + ")",
        "(?:" + "|".join(re.escape(w) for w in NAME_CONTEXT_EN) + ")[:]? [A-Z]",
        "(?:" + "|".join(GIVEN_NAMES_EN) + ") [A-Z]",  # names read from a given name
    ]
)

# Exact shapes, checked on each extracted match (anchored, so cheap and unambiguous).
SHAPES: dict[str, str] = {
    "email": r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$",
    "address_en": "^(?:" + _EN_ADDR + ")$",
    "mac": r"^[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2}){5}$",
    "ipv4": r"^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$",
    "ipv6": r"^[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:]*$",
    "dob": "^(?:" + _DOB + ")$",
    "number": r"^[0-9]+[Xx]?$",
    "uscc": r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    "passport": r"^(?:E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8}|(?:DE|SE|PE)[0-9]{7})$",
    "hkmo": r"^[HM][0-9]{8}(?:[0-9]{2})?$",
    "plate": f"^[{PLATE_PROVINCES}][A-Z][{NAME_DOTS}]?"
    f"(?:[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9{PLATE_SUFFIXES}]"
    r"|[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF])$",
    "landline": r"^(?:\(0[1-9][0-9]{1,2}\) ?|0[1-9][0-9]{1,2}-)"
    r"(?:[0-9]{7,8}|[0-9]{3,4} [0-9]{4})(?:-[0-9]{1,5})?$",
    "card_grouped": r"^[3-6][0-9]{3}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,3})?$",
    "mobile": r"^(?:(?:\+|00)86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}$",
    "phone_us": r"^(?:\+1[ .-]?)?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[.-])[0-9]{3}[.-][0-9]{4}"
    r"(?:x[0-9]{1,5})?$",
    "phone_intl": r"^\+[2-9][0-9]*(?:[ -][0-9]+)*$",
    "name_zh": "^(?:" + _ZH_NAME + ")$",
    "address_zh": "^(?:" + _ZH_ADDR + ")$",
    "address_city": "^(?:" + _ZH_ADDR_CITY + ")$",
    "address_label": "^(?:" + _ZH_ADDR_LABEL + ")$",
    "name_en": "^(?:" + _EN_NAME + ")$",
    "name_zh_lead": "^(?:" + _ZH_NAME_LEAD + ")$",
    "name_en_lead": "^(?:" + _EN_NAME_LEAD + ")$",
    "name_en_given": "^(?:" + _EN_GIVEN + ")$",
}
# Checked in this order; the first shape that fits names the candidate's kind.
SHAPE_ORDER: tuple[str, ...] = (
    "number", "mobile", "email", "ipv4", "card_grouped", "landline", "dob", "uscc", "passport",
    "hkmo", "plate", "mac", "ipv6", "phone_us", "address_en", "name_zh", "address_zh", "name_en",
    "name_zh_lead", "name_en_lead", "address_city", "address_label", "phone_intl",
    "name_en_given",
)  # fmt: skip

# Context words: a hit within the window before a candidate raises its confidence.
CONTEXT: dict[str, tuple[str, ...]] = {
    "cn_resident_id": ("身份证", "证件号", "公民身份", "身份号码", "ID", "id no", "identity"),
    "cn_resident_id_15": ("身份证", "证件号", "公民身份", "身份号码", "ID", "identity"),
    "cn_mobile": (
        "手机",
        "电话",
        "联系方式",
        "致电",
        "来电",
        "短信",
        "mobile",
        "phone",
        "tel",
        "Tel",
        "Phone",
        "call",
        "cell",
        "WhatsApp",
        "微信",
    ),
    "cn_landline": ("电话", "座机", "固话", "传真", "tel", "Tel", "phone", "Phone", "fax"),
    "bank_card": (
        "卡号",
        "银行卡",
        "账号",
        "借记卡",
        "信用卡",
        "储蓄卡",
        "银联",
        "card",
        "Card",
        "account",
        "Account",
        "PAN",
    ),
    "cn_uscc": ("信用代码", "社会信用", "营业执照", "USCC", "credit code"),
    "cn_passport": ("护照", "passport", "Passport"),
    "hk_macao_permit": ("回乡证", "港澳居民", "通行证", "permit", "Permit"),
    "tw_permit": ("台胞证", "台湾居民", "通行证", "Taiwan"),
    "cn_plate": ("车牌", "号牌", "车辆", "plate", "Plate", "vehicle"),
    "phone": ("phone", "Phone", "tel", "Tel", "call", "mobile", "cell", "电话", "fax"),
    "date_of_birth": ("出生", "生日", "DOB", "dob", "birth", "Birth", "born", "Born"),
}
CONTEXT_WINDOW = 20
# A date followed by these is a birth date too (1975年5月3日出生, 男，1975年5月3日生，汉族): 出生,
# or 生 at the text's end or before one of BORN_ENDS (not 生效, 生产).
BORN_AFTER = "出生"
BORN_SHORT = "生"
BORN_ENDS = "，,。；;、 )）"
