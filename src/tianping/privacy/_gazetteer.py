"""Prefecture-level divisions of mainland China (地级行政区: cities, autonomous prefectures,
leagues and prefectures), the gazetteer that city-led addresses start with (深圳市南山区…).

Taken from the `adcodes.csv` of cpca 0.5.5 (the 12-digit codes whose last eight digits are
zero and whose province part is not, placeholders such as 市辖区 left out, and the eight
prefectures named 地区 left out too: the kernel finds a city from its last character, and
区 is too common a character to stop at), which carries this notice:

    The MIT License (MIT)
    Copyright (c) 2018 QinYuan Du
    Permission is hereby granted, free of charge, to any person obtaining a copy of this
    software and associated documentation files (the "Software"), to deal in the Software
    without restriction, including without limitation the rights to use, copy, modify,
    merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
    permit persons to whom the Software is furnished to do so, subject to the following
    conditions: The above copyright notice and this permission notice shall be included in
    all copies or substantial portions of the Software.
    THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.

The list reflects the divisions of about 2020; divisions renamed since are missing until
it is refreshed. Longest names first, so no name is shadowed by a shorter prefix of it in
an alternation.
"""

CITIES = (
    "克孜勒苏柯尔克孜自治州", "黔西南布依族苗族自治州", "德宏傣族景颇族自治州",
    "恩施土家族苗族自治州", "海西蒙古族藏族自治州", "湘西土家族苗族自治州",
    "红河哈尼族彝族自治州", "黔东南苗族侗族自治州", "黔南布依族苗族自治州", "博尔塔拉蒙古自治州",
    "巴音郭楞蒙古自治州", "文山壮族苗族自治州", "西双版纳傣族自治州", "阿坝藏族羌族自治州",
    "伊犁哈萨克自治州", "延边朝鲜族自治州", "怒江傈僳族自治州", "临夏回族自治州",
    "凉山彝族自治州", "大理白族自治州", "昌吉回族自治州", "果洛藏族自治州", "楚雄彝族自治州",
    "海北藏族自治州", "海南藏族自治州", "玉树藏族自治州", "甘南藏族自治州", "甘孜藏族自治州",
    "迪庆藏族自治州", "黄南藏族自治州", "乌兰察布市", "乌鲁木齐市", "克拉玛依市", "呼伦贝尔市",
    "呼和浩特市", "巴彦淖尔市", "鄂尔多斯市", "锡林郭勒盟", "齐齐哈尔市", "七台河市", "三门峡市",
    "佳木斯市", "六盘水市", "双鸭山市", "吐鲁番市", "哈尔滨市", "嘉峪关市", "平顶山市",
    "张家口市", "张家界市", "攀枝花市", "日喀则市", "景德镇市", "牡丹江市", "石嘴山市",
    "石家庄市", "秦皇岛市", "葫芦岛市", "连云港市", "防城港市", "阿拉善盟", "马鞍山市",
    "驻马店市", "三亚市", "三明市", "三沙市", "上饶市", "东莞市", "东营市", "中卫市", "中山市",
    "临汾市", "临沂市", "临沧市", "丹东市", "丽水市", "丽江市", "乌海市", "乐山市", "九江市",
    "云浮市", "亳州市", "伊春市", "佛山市", "保定市", "保山市", "信阳市", "儋州市", "六安市",
    "兰州市", "兴安盟", "内江市", "包头市", "北海市", "十堰市", "南京市", "南充市", "南宁市",
    "南平市", "南昌市", "南通市", "南阳市", "厦门市", "台州市", "合肥市", "吉安市", "吉林市",
    "吕梁市", "吴忠市", "周口市", "咸宁市", "咸阳市", "哈密市", "唐山市", "商丘市", "商洛市",
    "嘉兴市", "四平市", "固原市", "大同市", "大庆市", "大连市", "天水市", "太原市", "威海市",
    "娄底市", "孝感市", "宁德市", "宁波市", "安庆市", "安康市", "安阳市", "安顺市", "定西市",
    "宜宾市", "宜昌市", "宜春市", "宝鸡市", "宣城市", "宿州市", "宿迁市", "山南市", "岳阳市",
    "崇左市", "巴中市", "常州市", "常德市", "平凉市", "广元市", "广安市", "广州市", "庆阳市",
    "廊坊市", "延安市", "开封市", "张掖市", "徐州市", "德州市", "德阳市", "忻州市", "怀化市",
    "惠州市", "成都市", "扬州市", "承德市", "抚州市", "抚顺市", "拉萨市", "揭阳市", "新乡市",
    "新余市", "无锡市", "日照市", "昆明市", "昌都市", "昭通市", "晋中市", "晋城市", "普洱市",
    "曲靖市", "朔州市", "朝阳市", "本溪市", "来宾市", "杭州市", "松原市", "林芝市", "枣庄市",
    "柳州市", "株洲市", "桂林市", "梅州市", "梧州市", "榆林市", "武威市", "武汉市", "毕节市",
    "永州市", "汉中市", "汕头市", "汕尾市", "江门市", "池州市", "沈阳市", "沧州市", "河池市",
    "河源市", "泉州市", "泰安市", "泰州市", "泸州市", "洛阳市", "济南市", "济宁市", "海东市",
    "海口市", "淄博市", "淮北市", "淮南市", "淮安市", "深圳市", "清远市", "温州市", "渭南市",
    "湖州市", "湘潭市", "湛江市", "滁州市", "滨州市", "漯河市", "漳州市", "潍坊市", "潮州市",
    "濮阳市", "烟台市", "焦作市", "玉林市", "玉溪市", "珠海市", "白城市", "白山市", "白银市",
    "百色市", "益阳市", "盐城市", "盘锦市", "眉山市", "福州市", "绍兴市", "绥化市", "绵阳市",
    "聊城市", "肇庆市", "自贡市", "舟山市", "芜湖市", "苏州市", "茂名市", "荆州市", "荆门市",
    "莆田市", "莱芜市", "菏泽市", "萍乡市", "营口市", "蚌埠市", "衡水市", "衡阳市", "衢州市",
    "襄阳市", "西宁市", "西安市", "许昌市", "贵港市", "贵阳市", "贺州市", "资阳市", "赣州市",
    "赤峰市", "辽源市", "辽阳市", "达州市", "运城市", "通化市", "通辽市", "遂宁市", "遵义市",
    "邢台市", "邯郸市", "邵阳市", "郑州市", "郴州市", "鄂州市", "酒泉市", "金华市", "金昌市",
    "钦州市", "铁岭市", "铜仁市", "铜川市", "铜陵市", "银川市", "锦州市", "镇江市", "长春市",
    "长沙市", "长治市", "阜新市", "阜阳市", "阳江市", "阳泉市", "陇南市", "随州市", "雅安市",
    "青岛市", "鞍山市", "韶关市", "鸡西市", "鹤壁市", "鹤岗市", "鹰潭市", "黄冈市", "黄山市",
    "黄石市", "黑河市", "龙岩市",
)  # fmt: skip
