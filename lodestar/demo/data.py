"""The demo organisation: a marketing centre of ~30 people (DOMAIN.md; seeds 000–004).

Kept as plain data so later issues can add goals, items, check-ins and appraisals to the same people.
"""

DEMO_PASSWORD = "lodestar-demo"
COMPANY_NAME = "星辰消费品有限公司"

# (code, name, parent code)
DEPARTMENTS = [
    ("CO", "星辰消费品有限公司", None),
    ("MKT", "市场营销中心", "CO"),
    ("MKT-CONTENT", "内容营销部", "MKT"),
    ("MKT-CONTENT-XHS", "小红书组", "MKT-CONTENT"),
    ("MKT-CONTENT-VIDEO", "短视频组", "MKT-CONTENT"),
    ("MKT-CHANNEL", "渠道推广部", "MKT"),
    ("MKT-CHANNEL-EC", "电商渠道组", "MKT-CHANNEL"),
    ("MKT-CHANNEL-OFFLINE", "线下渠道组", "MKT-CHANNEL"),
    ("MKT-USEROPS", "用户运营部", "MKT"),
    ("MKT-USEROPS-PRIVATE", "私域社群组", "MKT-USEROPS"),
    ("MKT-USEROPS-CRM", "会员运营组", "MKT-USEROPS"),
    ("MKT-BRAND", "品牌部", "MKT"),
    ("HR", "人力资源部", "CO"),
]

# (username, display name, title, department code, manager username, role, manages department)
PEOPLE = [
    ("admin", "系统管理员", "IT管理员", "CO", None, "admin", None),
    ("zhaomin", "赵敏", "市场营销中心总监", "MKT", None, "member", "MKT"),
    ("liuyang", "刘洋", "内容营销部经理", "MKT-CONTENT", "zhaomin", "member", "MKT-CONTENT"),
    ("chenjing", "陈静", "小红书组组长", "MKT-CONTENT-XHS", "liuyang", "member", "MKT-CONTENT-XHS"),
    ("linxiao", "林晓", "小红书运营专员", "MKT-CONTENT-XHS", "chenjing", "member", None),
    ("heyu", "何雨", "小红书内容编辑", "MKT-CONTENT-XHS", "chenjing", "member", None),
    ("zhoutao", "周涛", "短视频组组长", "MKT-CONTENT-VIDEO", "liuyang", "member", "MKT-CONTENT-VIDEO"),
    ("wujie", "吴杰", "抖音编导", "MKT-CONTENT-VIDEO", "zhoutao", "member", None),
    ("zhengshuang", "郑爽", "短视频剪辑", "MKT-CONTENT-VIDEO", "zhoutao", "member", None),
    ("wangqiang", "王强", "渠道推广部经理", "MKT-CHANNEL", "zhaomin", "member", "MKT-CHANNEL"),
    ("lina", "李娜", "电商渠道组组长", "MKT-CHANNEL-EC", "wangqiang", "member", "MKT-CHANNEL-EC"),
    ("sunhao", "孙浩", "天猫店铺运营", "MKT-CHANNEL-EC", "lina", "member", None),
    ("majun", "马骏", "直播运营专员", "MKT-CHANNEL-EC", "lina", "member", None),
    ("zhuli", "朱丽", "投放优化师", "MKT-CHANNEL-EC", "lina", "member", None),
    (
        "huangbo",
        "黄波",
        "线下渠道组组长",
        "MKT-CHANNEL-OFFLINE",
        "wangqiang",
        "member",
        "MKT-CHANNEL-OFFLINE",
    ),
    ("xuming", "徐明", "渠道拓展专员", "MKT-CHANNEL-OFFLINE", "huangbo", "member", None),
    ("guofang", "郭芳", "终端陈列专员", "MKT-CHANNEL-OFFLINE", "huangbo", "member", None),
    ("yangxue", "杨雪", "用户运营部经理", "MKT-USEROPS", "zhaomin", "member", "MKT-USEROPS"),
    ("luowei", "罗伟", "私域社群组组长", "MKT-USEROPS-PRIVATE", "yangxue", "member", "MKT-USEROPS-PRIVATE"),
    ("songjia", "宋佳", "社群运营专员", "MKT-USEROPS-PRIVATE", "luowei", "member", None),
    ("tangning", "唐宁", "企微运营专员", "MKT-USEROPS-PRIVATE", "luowei", "member", None),
    ("fenglei", "冯磊", "会员运营组组长", "MKT-USEROPS-CRM", "yangxue", "member", "MKT-USEROPS-CRM"),
    ("dongmei", "董梅", "会员活动策划", "MKT-USEROPS-CRM", "fenglei", "member", None),
    ("xiaokai", "萧凯", "数据分析师", "MKT-USEROPS-CRM", "fenglei", "member", None),
    ("hanxue", "韩雪", "品牌部经理", "MKT-BRAND", "zhaomin", "member", "MKT-BRAND"),
    ("caoyu", "曹宇", "品牌策划", "MKT-BRAND", "hanxue", "member", None),
    ("pengli", "彭丽", "公关专员", "MKT-BRAND", "hanxue", "member", None),
    ("jiangtao", "蒋涛", "视觉设计师", "MKT-BRAND", "hanxue", "member", None),
    ("sunli", "孙丽", "HRBP", "HR", None, "hr", "HR"),
    ("qianwei", "钱伟", "财务BP", "CO", None, "member", None),
    ("guest", "访客", "财务观察员", "CO", None, "viewer", None),
]

# Shown by `make run`: one login per role.
LOGINS = [
    ("admin", "系统管理员 · System admin"),
    ("zhaomin", "市场营销中心总监 · manages the marketing centre"),
    ("liuyang", "内容营销部经理 · manages content marketing"),
    ("linxiao", "小红书运营专员 · member"),
    ("sunli", "HRBP · HR partner"),
    ("guest", "访客 · viewer (read only)"),
]
