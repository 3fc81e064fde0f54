#!/usr/bin/env python3
"""Build the bundled demo dataset: 青山县, a fictional county, and its guarantee network.

Every row below is written by hand (no randomness); running

    python datasets/build_demo.py                # write the three forms and the periods
    python datasets/build_demo.py --check        # write them, then verify them
    python datasets/build_demo.py --out DIR      # write them under DIR instead

writes the books of 2026-03-31 three times:

* ``datasets/demo/``      UTF-8 CSV, English headers and English enum values;
* ``datasets/demo.xlsx``  one workbook, Chinese sheet names, Chinese headers and labels,
  ids as text cells, dates as date cells, ``share_pct`` as ``"35%"`` text, ``35`` or a
  percent-formatted ``0.35``; its sheet ``数据集`` declares the period;
* ``datasets/demo_gbk/``  GBK CSV (what Excel saves on Chinese Windows), Chinese headers
  and labels, some full-width digits/letters and stray spaces (NFKC + strip undoes them);

and the county's books at the two quarter-ends before, as UTF-8 CSV folders
``datasets/demo-2025-09-30/`` and ``datasets/demo-2025-12-31/``.  Every folder carries a
``dataset.json`` (``{"as_of": "2026-03-31", "region": "青山县"}``).

The story of the county (who guarantees whom, who owns what) is told in
``datasets/README.md``; the comments below name each structure where it is built.
Amounts are in 万元, dates ISO ``YYYY-MM-DD``.  Enterprises are referred to below by a
short key (``"钢铁"`` = 青山钢铁有限公司), persons by name, institutions by a short key;
the script turns keys into ids (credit codes, ``P001``…, ``I01``…).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
import sys
import unicodedata
import zipfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from graphrisk.domain.glossary import ENUM_SYNONYMS, ENUMS, TABLE_ORDER, TABLES  # noqa: E402
from graphrisk.domain.uscc import check_char, is_valid  # noqa: E402

AS_OF = "2026-03-31"  # the date the county's books were drawn up
DIVISION = "331122"  # administrative division used for every credit code (fictional county)

# =====================================================================================
# Enterprises (企业) — 53 firms
# =====================================================================================
# key: short name used below; body: the 9-character organisation part of the credit
# code (hand-chosen); the code is ORG_TYPE + DIVISION + body + check character.
# Amounts in 万元; None = missing.
ENTERPRISE_FIELDS = ("key", "body", "name", "region", "industry", "registered_capital",
                     "paid_in_capital", "net_assets", "total_assets", "total_liabilities",
                     "status", "pd", "credit_line", "tags")
#: registration type of the code: 91 = company (default), 93 = farmers' cooperative
ORG_TYPE = {"合作社": "93"}

ENTERPRISES = [
    # --- 青山控股 group (张伟): ownership chain 张伟→控股→钢铁→特钢→钢构 --------------------
    ("控股", "704512863", "青山控股集团有限公司", "城关镇", "投资控股",
     10000, 8000, 12000, 30000, 18000, "normal", 0.02, 6000, "cross_region"),
    ("钢铁", "704518921", "青山钢铁有限公司", "青山经济开发区", "黑色金属冶炼和压延加工业",
     8000, 8000, 6500, 21000, 14500, "normal", 0.04, 4500, "overcapacity"),
    ("特钢", "MA2HX3K41", "青山特钢材料有限公司", "青山经济开发区", "金属制品业",
     3000, 2000, 2600, 7800, 5200, "normal", 0.03, 1500, None),
    ("钢构", "MA2J0Q7L5", "青山钢结构工程有限公司", "城关镇", "建筑安装业",
     2000, None, 1400, 4200, 2800, "normal", 0.035, None, None),
    # --- 刘洋's two firms: 互保 partner of 青山钢铁, borrower of 青山控股, legal rep of both --
    ("建材", "73691025X", "青山建材有限公司", "白沙镇", "非金属矿物制品业",
     3000, 2000, 1800, 6000, 4200, "normal", 0.06, 2000, None),
    ("家具", "MA29T4W8B", "青山家具有限公司", "桃源镇", "家具制造业",
     500, 500, 620, 1500, 880, "normal", 0.05, 400, None),
    # --- 青山化工 group (孙建国): the `multiply` example with two paths ------------------
    ("化工", "147082365", "青山化工集团有限公司", "青山经济开发区", "化学原料和化学制品制造业",
     8000, 8000, 9000, 22000, 13000, "normal", 0.03, 5200, None),
    ("化肥", "704530126", "青山化肥有限公司", "柳溪乡", "化学肥料制造",
     3000, 3000, 2500, 6000, 3500, "normal", 0.04, 1800, None),
    ("塑料", "MA28EJ6P3", "青山塑料制品有限公司", "青山经济开发区", "塑料制品业",
     2000, 1500, 1600, 3500, 1900, "normal", 0.05, 1000, None),
    ("新材料", "MA2K1N0D9", "青山新材料科技有限公司", "青山经济开发区", "新材料",
     5000, 3000, 2800, 6500, 3700, "normal", 0.03, 2200, None),
    # --- 青山投资 group (陈刚): the 42号公告 passthrough example 投资 30%→物流 40%→冷链 ---
    ("投资", "MA28A1Y22", "青山投资发展有限公司", "城关镇", "商务服务业",
     5000, 5000, 5200, 9000, 3800, "normal", 0.02, 1500, None),
    ("物流", "MA29C7R50", "青山物流有限公司", "白沙镇", "道路货物运输",
     3000, 2000, 1500, 4800, 3300, "normal", 0.05, 1200, None),
    ("冷链", "MA2B3G8M1", "青山冷链仓储有限公司", "白沙镇", "仓储业",
     3000, 3000, 2000, 5000, 3000, "normal", 0.04, 1500, None),
    ("华东商贸", "MA2AFU5H6", "青山华东商贸集团有限公司", "城关镇", "批发业",
     6000, 5000, 4000, 11000, 7000, "normal", 0.03, 3200, "cross_region"),
    # --- cross-holding 纺织 20%→印染, 印染 15%→纺织; 纺织 owns 服装 ----------------------
    ("纺织", "736952148", "青山纺织有限公司", "桃源镇", "纺织业",
     2000, 2000, 1500, 4000, 2500, "normal", 0.05, 1200, None),
    ("服装", "MA2CL2N77", "青山服装有限公司", "桃源镇", "纺织服装、服饰业",
     800, 800, 600, 1500, 900, "normal", 0.07, 500, None),
    ("印染", "74707215X", "青山印染有限公司", "桃源镇", "印染",
     1500, 1500, 900, 2600, 1700, "normal", 0.08, 800, None),
    # --- 王芳's family firms: the `weakest_link` example ---------------------------------
    ("食品", "MA29DD3Q4", "青山食品有限公司", "柳溪乡", "农副食品加工业",
     1000, 1000, 1100, 2500.5, 1400.5, "normal", 0.03, 700, None),
    ("粮油", "MA2E4P1T0", "青山粮油贸易有限公司", "柳溪乡", "批发业",
     500, 500, 450, 1200, 750, "normal", 0.04, 300, None),
    # --- 李强 holds ≥ 25 % of three otherwise unconnected firms (common_owner) ----------
    ("茶业", "MA28GH0W6", "青山茶业有限公司", "石门乡", "茶叶种植与加工",
     1000, 800, 900, 1800, 900, "normal", 0.03, 600, "agri_leader"),
    ("竹木", "MA2A7K2X9", "青山竹木制品有限公司", "石门乡", "木材加工和木竹制品业",
     600, 600, 500, 1100, 600, "normal", 0.05, 300, None),
    ("生态农业", "MA2F5L9Y3", "青山生态农业有限公司", "东岭乡", "农业",
     1200, None, 1000, 1900, 900, "normal", 0.04, None, None),
    # --- the big guarantee circle (白沙—龙潭 circle, 6 members) --------------------------
    ("置业", "MA28B9P05", "青山置业有限公司", "城关镇", "房地产业",
     10000, 6000, 2500, 28000, 25500, "normal", 0.06, 5800, "real_estate"),
    ("建工", "147063258", "青山建工集团有限公司", "城关镇", "房屋建筑业",
     5000, 3000, 1800, 9000, 7200, "normal", 0.05, 2500, None),
    ("水泥", "704505776", "青山水泥有限公司", "龙潭镇", "水泥制造",
     6000, 6000, 3000, 12000, 9000, "distressed", 0.12, 3500, "overcapacity"),
    ("商砼", "MA28JR4E2", "青山商砼有限公司", "龙潭镇", "商品混凝土",
     2000, 2000, 700, 3500, 2800, "normal", 0.08, 1500, None),
    ("机械", "MA29H1U38", "青山机械制造有限公司", "青山经济开发区", "通用设备制造业",
     2000, 1500, 400, 3800, 3400, "normal", 0.1, 1800, None),
    ("五金", "MA2B6W0K4", "青山五金有限公司", "龙潭镇", "金属制品业",
     1000, 1000, 300, 2600, 2300, "distressed", 0.2, 1200, None),
    # --- the chain hanging off the big circle: 照明→电子→电器→置业 (郭建华's firms) ------
    ("电器", "MA2AN8C15", "青山电器有限公司", "青山经济开发区", "电气机械和器材制造业",
     1500, 1500, 800, 3000, 2200, "normal", 0.06, 1000, None),
    ("电子", "MA2D2E7F6", "青山电子有限公司", "青山经济开发区", "电子元件制造",
     1500, 1200, 1200, 2800, 1600, "normal", 0.04, 800, None),
    ("照明", "MA2G8T3A0", "青山照明有限公司", "青山经济开发区", "照明器具制造",
     800, 800, 700, 1500, 800, "normal", 0.04, 500, None),
    # --- the 3-circle 酒业→饮料→玻璃→酒业 (玻璃 has defaulted) ----------------------------
    ("酒业", "147091032", "青山酒业有限公司", "桃源镇", "酒的制造",
     3000, 3000, 2200, 5500, 3300, "normal", 0.05, 1600, None),
    ("饮料", "MA29KX6N8", "青山饮料有限公司", "桃源镇", "饮料制造",
     1500, 1000, 250, 2400, 2150, "distressed", 0.18, 900, None),
    ("玻璃", "MA2C1M4R7", "青山玻璃制品有限公司", "白沙镇", "玻璃制品制造",
     1200, 1200, 120, 2100, 1980, "defaulted", 0.3, 1000, None),
    # --- 互保 pair 2: 青山纸业 ↔ 青山包装 (高翔) --------------------------------------------
    ("纸业", "704526643", "青山纸业有限公司", "柳溪乡", "造纸和纸制品业",
     2500, 2500, 1600, 4500, 2900, "normal", 0.06, 1500, "overcapacity"),
    ("包装", "MA2AQ5D24", "青山包装有限公司", "柳溪乡", "包装装潢",
     1000, 600, 700, 1700, 1000, "normal", 0.06, 700, None),
    # --- joint guarantee (联保): 农业发展 backed by 种业, 饲料, 农机 and 黄志明 ----------------
    ("农业发展", "MA28L0F79", "青山农业发展有限公司", "东岭乡", "农业",
     3000, 2000, 2100, 5200, 3100, "normal", 0.03, 1500, "agri_leader"),
    ("种业", "MA2B9Y2G1", "青山种业有限公司", "东岭乡", "种子生产",
     1000, 1000, 900, 1800, 900, "normal", 0.03, 500, None),
    ("饲料", "MA2E0H5J3", "青山饲料有限公司", "东岭乡", "饲料加工",
     1000, 800, 750, 1600, 850, "normal", 0.04, 600, None),
    ("农机", "MA2H7A8K6", "青山农机有限公司", "东岭乡", "农业机械制造",
     800, 800, 650, 1300, 650, "normal", 0.04, 500, None),
    ("合作社", "MA2F3B1L0", "青山县东岭中药材种植专业合作社", "东岭乡", "中药材种植",
     200, None, None, None, None, "normal", None, None, None),
    # --- 陈静 is chairman of 印刷 and general manager of 医药 (management rule) ------------
    ("印刷", "MA29P2Q88", "青山印刷有限公司", "城关镇", "印刷业",
     600, 600, 400, 900, 500, "normal", 0.05, 300, None),
    ("医药", "736974401", "青山医药有限公司", "城关镇", "医药批发",
     2000, 2000, 1600, 3800, 2200, "normal", 0.02, 1200, None),
    # --- 矿业 lends to and guarantees 石材 (lending rule on registered capital) ------------
    ("矿业", "704540187", "青山矿业有限公司", "石门乡", "非金属矿采选业",
     5000, 5000, 4200, 8000, 3800, "normal", 0.04, 2000, None),
    ("石材", "MA2D8U6M2", "青山石材有限公司", "石门乡", "石材加工",
     1200, None, 500, 1900, 1400, "distressed", 0.15, 800, None),
    # --- 青山城投 group (local government financing platform) --------------------------
    ("城投", "MA28K4T61", "青山县城市建设投资集团有限公司", "城关镇", "城市基础设施建设",
     50000, 30000, 45000, 120000, 75000, "normal", 0.005, 9000, "lgfv"),
    ("交投", "MA2A2W9N5", "青山县交通投资有限公司", "城关镇", "交通基础设施建设",
     20000, 10000, 15000, 48000, 33000, "normal", 0.01, 4000, "lgfv"),
    ("水务", "147055021", "青山县水务有限公司", "城关镇", "水的生产和供应业",
     5000, 5000, None, 14000, None, "normal", 0.01, None, "tax_livelihood"),
    ("新能源", "MA2JA6R33", "青山新能源科技有限公司", "青山经济开发区", "锂电池制造",
     20000, 8000, 7500, 18000, 10500, "normal", 0.04, 2600, "key_project;cross_region"),
    ("小商品市场", "MA2C5X0P9", "青山小商品市场管理有限公司", "城关镇", "市场管理服务",
     1000, 1000, None, None, None, "normal", None, None, None),
    # --- 鑫源贸易: private lending blew up, defaulted, negative net assets ----------------
    ("鑫源", "MA2G1C7Q4", "青山鑫源贸易有限公司", "白沙镇", "批发业",
     1000, 200, -350, 1300, 1650, "defaulted", None, 900, "private_lending"),
    # --- 旅游 / 酒店: the same two directors run both (management, majority test) ---------
    ("旅游", "MA2E6D3R8", "青山旅游开发有限公司", "桃源镇", "旅游业",
     3000, 2000, 2200, 4500, 2300, "normal", 0.04, 1000, None),
    ("酒店", "MA2B4E9T7", "青山酒店管理有限公司", "城关镇", "住宿业",
     1000, 1000, 800, 2000, 1200, "normal", 0.05, 600, None),
]

# =====================================================================================
# Persons (个人) — ids P001… in this order
# =====================================================================================
PERSONS = [
    "张伟", "张磊", "刘洋", "沈立",            # 青山控股 group, 刘洋 (建材, 家具)
    "孙建国", "陈刚", "彭辉",                  # 化工 group; 投资 group; 冷链
    "杨帆", "唐亮", "王芳",                    # 纺织/服装; 印染; 食品/粮油
    "李强", "谢文", "韩梅",                    # 茶业; 竹木; 生态农业
    "胡军", "曹雪", "何勇", "罗斌", "梁晓东",  # big circle: 置业/建工; 水泥/商砼; 机械; 五金
    "郭建华",                                  # the chain 电器/电子/照明
    "冯涛", "宋佳",                            # 3-circle: 酒业/饮料; 玻璃
    "高翔", "黄志明", "陈静", "周婷", "钱进",  # 纸业/包装; 农业发展…; 印刷; 医药; 矿业/石材
    "邓伟民", "马超", "赵敏", "孙磊",          # 城投 group; 鑫源; 旅游/酒店
]

# =====================================================================================
# Financial institutions (金融机构)
# =====================================================================================
INSTITUTIONS = [  # key, id, name, type
    ("农商行", "I01", "青山农商银行", "bank"),
    ("工行", "I02", "工商银行青山支行", "bank"),
    ("建行", "I03", "建设银行青山支行", "bank"),
    ("村镇银行", "I04", "青山村镇银行", "bank"),
    ("利民小贷", "I05", "青山利民小额贷款有限公司", "microloan"),
    ("融资担保", "I06", "青山融资担保有限公司", "guarantee_company"),
]

# =====================================================================================
# Shareholdings (持股): holder, company, share_pct, as_of
# =====================================================================================
SHAREHOLDINGS = [
    # 4-level chain: 张伟 70%→控股 60%→钢铁 55%→特钢 80%→钢构, plus 张伟 10%→钢铁
    #   multiply h(张伟, 钢构) = 18.48 + 4.4 = 22.88 %; passthrough 80 %
    ("张伟", "控股", 70, "2025-12-31"),
    ("张磊", "控股", 20, "2025-12-31"),
    ("控股", "钢铁", 60, "2025-12-31"),
    ("张伟", "钢铁", 10, "2025-12-31"),
    ("钢铁", "特钢", 55, "2025-12-31"),
    ("张磊", "特钢", 10, None),
    ("特钢", "钢构", 80, None),
    ("刘洋", "建材", 65, None),
    ("刘洋", "家具", 80, None),
    # multiply, two paths (SPEC §3): 化工 40%→化肥 50%→新材料, 化工 30%→塑料 20%→新材料
    #   multiply h(化工, 新材料) = 0.4·0.5 + 0.3·0.2 = 26 %; passthrough 50 + 20 = 70 %
    ("孙建国", "化工", 80, "2025-12-31"),
    ("化工", "化肥", 40, "2025-12-31"),
    ("孙建国", "化肥", 35, "2025-12-31"),
    ("化工", "塑料", 30, "2025-12-31"),
    ("化肥", "新材料", 50, "2025-12-31"),
    ("塑料", "新材料", 20, "2025-12-31"),
    # 42号公告 passthrough: 投资 30%→物流, 物流 40%→冷链 ⇒ h(投资, 冷链) = 40 % (multiply 12 %)
    ("陈刚", "投资", 90, None),
    ("投资", "物流", 30, None),
    ("物流", "冷链", 40, None),
    ("彭辉", "冷链", 45, None),
    ("陈刚", "华东商贸", 60, None),
    # cross-holding: 纺织 holds 20 % of 印染 and 印染 holds 15 % of 纺织
    ("杨帆", "纺织", 70, "2025-06-30"),
    ("印染", "纺织", 15, "2025-06-30"),
    ("唐亮", "印染", 70, "2025-06-30"),
    ("纺织", "印染", 20, "2025-06-30"),
    ("纺织", "服装", 60, "2025-06-30"),
    # weakest_link (SPEC §3): 王芳 30%→食品, 30%→粮油, 粮油 20%→食品
    #   weakest_link 50 %, multiply 36 %, passthrough 50 %
    ("王芳", "食品", 30, None),
    ("王芳", "粮油", 30, None),
    ("粮油", "食品", 20, None),
    # common_owner: 李强 holds ≥ 25 % of 茶业, 竹木 and 生态农业
    ("李强", "茶业", 35, None),
    ("李强", "竹木", 40, None),
    ("谢文", "竹木", 30, None),
    ("李强", "生态农业", 60, None),
    ("韩梅", "生态农业", 20, None),
    # big circle and its chain
    ("胡军", "置业", 80, None),
    ("胡军", "建工", 55, None),
    ("曹雪", "建工", 12.5, None),
    ("何勇", "水泥", 70, None),
    ("水泥", "商砼", 60, None),
    ("罗斌", "机械", 75, None),
    ("梁晓东", "五金", 80, None),
    ("郭建华", "电器", 60, None),
    ("郭建华", "电子", 50, None),
    ("郭建华", "照明", 40, None),
    # 3-circle
    ("冯涛", "酒业", 60, None),
    ("酒业", "饮料", 51, None),
    ("宋佳", "玻璃", 70, None),
    # 互保 pair 2
    ("高翔", "纸业", 70, None),
    ("高翔", "包装", 40, None),
    # joint guarantee group
    ("黄志明", "农业发展", 65, None),
    ("黄志明", "种业", 30, None),
    ("农业发展", "种业", 51, None),
    ("农业发展", "饲料", 60, None),
    ("黄志明", "农机", 55, None),
    # others
    ("陈静", "印刷", 80, None),
    ("周婷", "医药", 60, None),
    ("陈静", "医药", 20, None),
    ("钱进", "矿业", 80, None),
    ("城投", "交投", 100, "2025-12-31"),
    ("城投", "水务", 70, "2025-12-31"),
    ("城投", "新能源", 30, "2025-12-31"),
    ("城投", "小商品市场", 100, "2025-12-31"),
    ("马超", "鑫源", 90, None),
    ("赵敏", "旅游", 60, None),
    ("孙磊", "酒店", 70, None),
]

# =====================================================================================
# Positions (任职): person, company, role
# =====================================================================================
LR, CH, DIR, GM, CFO, SUP, AC = ("legal_representative", "chairman", "director",
                                 "general_manager", "cfo", "supervisor", "actual_controller")
POSITIONS = [
    # 青山控股 group
    ("张伟", "控股", LR), ("张伟", "控股", CH), ("张伟", "控股", AC),
    ("张磊", "控股", DIR), ("沈立", "控股", DIR), ("沈立", "控股", CFO), ("刘洋", "控股", SUP),
    ("张磊", "钢铁", LR), ("张伟", "钢铁", CH), ("张磊", "钢铁", GM), ("沈立", "钢铁", CFO),
    ("张磊", "特钢", LR),
    ("张磊", "钢构", LR), ("沈立", "钢构", SUP),
    # 刘洋 is legal representative of two otherwise unconnected firms
    ("刘洋", "建材", LR), ("刘洋", "建材", GM),
    ("刘洋", "家具", LR),
    # 化工 group
    ("孙建国", "化工", LR), ("孙建国", "化工", CH), ("孙建国", "化工", AC),
    ("孙建国", "化肥", LR), ("孙建国", "塑料", LR), ("孙建国", "新材料", LR),
    # 投资 group; 冷链 has its own legal representative
    ("陈刚", "投资", LR), ("陈刚", "投资", CH), ("陈刚", "物流", LR),
    ("陈刚", "华东商贸", LR), ("陈刚", "华东商贸", AC),
    ("彭辉", "冷链", LR), ("彭辉", "冷链", GM),
    # 纺织 / 服装 / 印染
    ("杨帆", "纺织", LR), ("杨帆", "纺织", CH), ("杨帆", "服装", LR),
    ("唐亮", "印染", LR),
    # 王芳's firms
    ("王芳", "食品", LR), ("王芳", "粮油", LR),
    # 李强's firms: different legal representatives (only common_owner links them)
    ("李强", "茶业", LR), ("谢文", "竹木", LR), ("李强", "竹木", SUP), ("韩梅", "生态农业", LR),
    # big circle
    ("胡军", "置业", LR), ("胡军", "置业", CH), ("胡军", "置业", AC),
    ("曹雪", "置业", CFO), ("曹雪", "置业", DIR),
    ("胡军", "建工", LR), ("胡军", "建工", AC), ("曹雪", "建工", GM),
    ("何勇", "水泥", LR), ("何勇", "水泥", CH), ("何勇", "商砼", LR),
    ("罗斌", "机械", LR),
    ("梁晓东", "五金", LR), ("罗斌", "五金", SUP),
    ("郭建华", "电器", LR), ("郭建华", "电子", LR), ("郭建华", "照明", LR),
    # 3-circle
    ("冯涛", "酒业", LR), ("冯涛", "酒业", CH), ("冯涛", "饮料", LR), ("宋佳", "饮料", SUP),
    ("宋佳", "玻璃", LR), ("宋佳", "玻璃", GM),
    # 互保 pair 2
    ("高翔", "纸业", LR), ("高翔", "包装", LR),
    # 黄志明's agricultural group
    ("黄志明", "农业发展", LR), ("黄志明", "农业发展", CH), ("黄志明", "农业发展", AC),
    ("黄志明", "种业", LR), ("黄志明", "饲料", LR), ("黄志明", "农机", LR),
    ("黄志明", "合作社", LR),
    # 陈静: chairman of 印刷, general manager of 医药
    ("陈静", "印刷", LR), ("陈静", "印刷", CH),
    ("周婷", "医药", LR), ("陈静", "医药", GM),
    ("钱进", "矿业", LR), ("钱进", "石材", LR),
    # 城投 group
    ("邓伟民", "城投", LR), ("邓伟民", "城投", CH), ("邓伟民", "交投", LR),
    ("邓伟民", "水务", LR), ("邓伟民", "新能源", LR), ("邓伟民", "小商品市场", LR),
    ("马超", "鑫源", LR), ("马超", "鑫源", AC),
    # 旅游 / 酒店: each legal representative is a director of the other firm
    ("赵敏", "旅游", LR), ("赵敏", "旅游", DIR), ("孙磊", "旅游", DIR),
    ("孙磊", "酒店", LR), ("孙磊", "酒店", DIR), ("赵敏", "酒店", DIR),
]

# =====================================================================================
# Loans (贷款): id, borrower, lender, balance, classification, start, maturity,
#               overdue_days, overdue_count, extensions
# =====================================================================================
N, SM, SS, D, LS = "normal", "special_mention", "substandard", "doubtful", "loss"
LOANS = [
    # 青山控股 group
    ("L001", "控股", "工行", 3000, N, "2024-06-15", "2027-06-14", None, None, None),
    ("L002", "控股", "建行", 1500, N, "2025-03-01", "2026-09-01", None, None, None),
    ("L003", "钢铁", "工行", 2500, N, "2024-09-10", "2026-09-09", None, None, None),
    ("L004", "钢铁", "建行", 1800, SM, "2025-01-20", "2026-07-19", 35, 1, 1),
    ("L005", "特钢", "工行", 1200, N, "2025-05-08", "2026-11-07", None, None, None),
    ("L006", "钢构", "农商行", 600, N, "2025-02-14", "2026-08-13", None, None, None),
    ("L007", "建材", "建行", 1500, SM, "2024-12-01", "2026-05-31", 20, 2, 1),
    # inter-company loan: 控股 → 建材, 1200 ≥ 50 % of 建材's paid-in capital 2000
    ("L008", "建材", "控股", 1200, N, "2025-04-01", "2026-12-31", None, None, None),
    ("L009", "家具", "村镇银行", 300, N, "2025-06-20", "2026-06-19", None, None, None),
    # 化工 group
    ("L010", "化工", "农商行", 2000, N, "2024-11-11", "2026-11-10", None, None, None),
    ("L011", "化工", "工行", 2500, N, "2025-01-06", "2027-01-05", None, None, None),
    ("L012", "化肥", "农商行", 1200, N, "2025-03-18", "2027-03-17", None, None, None),
    ("L013", "塑料", "村镇银行", 800, N, "2025-07-01", "2026-06-30", None, None, None),
    ("L014", "新材料", "建行", 1800, N, "2025-02-28", "2028-02-27", None, None, None),
    # inter-company loan below the lending threshold (200 < 50 % of 印染's 1500)
    ("L015", "印染", "化工", 200, N, "2025-08-15", "2026-08-14", None, None, None),
    # 投资 group
    ("L016", "投资", "农商行", 1000, N, "2025-04-10", "2027-04-09", None, None, None),
    ("L017", "物流", "村镇银行", 900, N, "2025-05-20", "2026-05-19", None, None, None),
    ("L018", "物流", "利民小贷", 200, SM, "2025-09-01", "2026-02-28", 20, 1, None),
    ("L019", "冷链", "建行", 1300, N, "2024-10-15", "2027-10-14", None, None, None),
    ("L020", "华东商贸", "工行", 2000, N, "2025-01-15", "2026-07-14", None, None, None),
    ("L021", "华东商贸", "建行", 1000, N, "2025-06-01", "2026-11-30", None, None, None),
    # 纺织 / 服装 / 印染
    ("L022", "纺织", "农商行", 900, N, "2025-03-05", "2026-09-04", None, None, None),
    ("L023", "纺织", "村镇银行", 200, N, "2025-10-10", "2026-10-09", None, None, None),
    ("L024", "服装", "村镇银行", 400, SM, "2025-04-25", "2026-04-24", 15, 1, None),
    ("L025", "印染", "农商行", 600, SM, "2024-12-20", "2026-06-19", None, None, 1),
    # 王芳 (also a personal loan), 李强's firms
    ("L026", "食品", "农商行", 600, N, "2025-05-12", "2026-05-11", None, None, None),
    ("L027", "粮油", "利民小贷", 250, N, "2025-11-01", "2026-10-31", None, None, None),
    ("L028", "王芳", "利民小贷", 80.5, N, "2025-12-01", "2026-11-30", None, None, None),
    ("L029", "茶业", "农商行", 500, N, "2025-03-22", "2026-09-21", None, None, None),
    ("L030", "竹木", "村镇银行", 250, N, "2025-07-15", "2026-07-14", None, None, None),
    ("L031", "生态农业", "农商行", 700, N, "2025-04-02", "2027-04-01", None, None, None),
    # big circle: 置业 owes 5600 to four banks; the circle owes 4 banks + 1 microloan co.
    ("L032", "置业", "农商行", 2000, N, "2024-08-01", "2026-07-31", None, None, None),
    ("L033", "置业", "工行", 1800, N, "2024-12-15", "2026-12-14", None, None, None),
    ("L034", "置业", "建行", 1200, SM, "2024-05-10", "2026-05-09", None, None, 1),
    ("L035", "置业", "村镇银行", 600, N, "2025-09-01", "2026-08-31", None, None, None),
    ("L036", "建工", "工行", 1500, N, "2025-02-10", "2026-08-09", None, None, None),
    ("L037", "建工", "利民小贷", 300, SM, "2025-06-05", "2026-06-04", 35, 2, None),
    ("L038", "水泥", "农商行", 1600, SM, "2024-09-25", "2026-09-24", None, None, 2),
    ("L039", "水泥", "建行", 1200, SS, "2024-07-01", "2025-12-31", 95, 3, None),
    ("L040", "商砼", "农商行", 900, N, "2025-01-08", "2026-07-07", None, None, None),
    ("L041", "商砼", "利民小贷", 300, N, "2025-08-20", "2026-08-19", None, None, None),
    ("L042", "机械", "村镇银行", 1100, SM, "2025-03-15", "2026-09-14", 40, 2, None),
    ("L043", "机械", "工行", 400, N, "2025-05-30", "2026-05-29", None, None, None),
    ("L044", "五金", "农商行", 800, SS, "2024-10-10", "2025-11-30", 121, 4, 1),
    ("L045", "五金", "利民小贷", 300, D, "2024-12-01", "2025-09-01", 211, 5, None),
    # the chain
    ("L046", "电器", "建行", 1000, N, "2025-04-18", "2026-10-17", None, None, None),
    ("L047", "电子", "建行", 700, N, "2025-06-12", "2026-12-11", None, None, None),
    ("L048", "照明", "村镇银行", 400, N, "2025-07-22", "2026-07-21", None, None, None),
    # 3-circle: 2 banks + 1 microloan company (no creditor committee)
    ("L049", "酒业", "农商行", 1200, N, "2025-02-01", "2027-01-31", None, None, None),
    ("L050", "酒业", "利民小贷", 300, N, "2025-10-15", "2026-10-14", None, None, None),
    ("L051", "饮料", "农商行", 700, SS, "2024-11-05", "2025-12-20", 101, 3, None),
    ("L052", "饮料", "村镇银行", 200, SM, "2025-05-05", "2026-05-04", 25, 1, None),
    ("L053", "玻璃", "农商行", 600, D, "2024-06-18", "2025-08-17", 226, 6, 2),
    ("L054", "玻璃", "村镇银行", 400, LS, "2024-01-10", "2025-01-09", 446, 8, None),
    # 互保 pair 2
    ("L055", "纸业", "农商行", 1300, N, "2025-03-10", "2026-09-09", None, None, None),
    ("L056", "包装", "农商行", 500, N, "2025-04-16", "2026-04-15", None, None, None),
    # (L057 is new in 2026-Q1: the only loan drawn after 2025-12-31, see PERIOD_*)
    ("L057", "包装", "利民小贷", 150, N, "2026-01-12", "2026-05-19", None, None, None),
    # joint-guarantee group (and a personal loan of 黄志明)
    ("L058", "农业发展", "农商行", 1000, N, "2025-03-01", "2027-02-28", None, None, None),
    ("L059", "农业发展", "村镇银行", 500, N, "2025-09-10", "2026-09-09", None, None, None),
    ("L060", "种业", "农商行", 300, N, "2025-02-20", "2026-08-19", None, None, None),
    ("L061", "饲料", "村镇银行", 400, N, "2025-05-25", "2026-05-24", None, None, None),
    ("L062", "农机", "农商行", 350, N, "2025-06-30", "2026-06-29", None, None, None),
    ("L063", "合作社", "农商行", 50, N, "2025-04-01", "2026-09-30", None, None, None),
    ("L064", "黄志明", "村镇银行", 150, N, "2025-08-08", "2026-08-07", None, None, None),
    ("L065", "印刷", "村镇银行", 200, N, "2025-07-07", "2026-07-06", None, None, None),
    ("L066", "医药", "工行", 800, N, "2025-01-20", "2026-07-19", None, None, None),
    # 矿业 / 石材; inter-company loan 矿业 → 石材, 700 ≥ 50 % of 石材's registered 1200
    ("L067", "矿业", "农商行", 1500, N, "2024-12-12", "2026-12-11", None, None, None),
    ("L068", "石材", "农商行", 600, SM, "2025-01-30", "2026-01-29", 61, 2, 1),
    ("L069", "石材", "矿业", 700, N, "2025-05-15", "2026-05-14", None, None, None),
    # 城投 group
    ("L070", "城投", "工行", 4000, N, "2023-12-20", "2028-12-19", None, None, None),
    ("L071", "城投", "建行", 3000, N, "2024-06-30", "2029-06-29", None, None, None),
    ("L072", "城投", "农商行", 1500, N, "2025-01-10", "2027-01-09", None, None, None),
    ("L073", "交投", "建行", 2500, N, "2024-09-01", "2029-08-31", None, None, None),
    ("L074", "水务", "农商行", 2000, N, "2024-11-15", "2034-11-14", None, None, None),
    ("L075", "新能源", "工行", 1800, N, "2025-03-28", "2028-03-27", None, None, None),
    ("L076", "新能源", "建行", 700, N, "2025-08-30", "2027-08-29", None, None, None),
    ("L077", "小商品市场", "村镇银行", 300, N, "2025-06-15", "2026-06-14", None, None, None),
    # 鑫源 and its boss 马超 (personal business loan)
    ("L078", "鑫源", "村镇银行", 500, LS, "2024-03-01", "2025-02-28", 396, 9, 2),
    ("L079", "鑫源", "利民小贷", 400, D, "2024-09-15", "2025-09-14", 198, 6, None),
    ("L080", "马超", "农商行", 200, SS, "2025-01-05", "2025-12-31", 90, 3, None),
    ("L081", "旅游", "农商行", 800, N, "2025-04-20", "2028-04-19", None, None, None),
    ("L082", "酒店", "村镇银行", 400, N, "2025-05-18", "2026-05-17", None, None, None),
]

# =====================================================================================
# Guarantees (担保): id, guarantor, borrower, amount, loan_id, type, start, end
# =====================================================================================
JS, GEN, COL, PLG = "joint_several", "general", "collateral", "pledge"
GUARANTEES = [
    # 互保 pair 1: 青山钢铁 ↔ 青山建材 (G002 is a 最高额保证 without a loan)
    ("G001", "钢铁", "建材", 1500, "L007", JS, "2024-12-01", "2026-05-31"),
    ("G002", "建材", "钢铁", 1800, None, JS, "2025-01-01", "2027-12-31"),
    # 互保 pair 2: 青山纸业 ↔ 青山包装
    ("G003", "纸业", "包装", 500, "L056", JS, "2025-04-16", "2026-04-15"),
    # (G004, signed 2026-01-12, closes the pair: the circle is new in 2026-Q1)
    ("G004", "包装", "纸业", 800, "L055", GEN, "2026-01-12", "2026-09-09"),
    # 3-circle: 酒业 → 饮料 → 玻璃 → 酒业
    ("G005", "酒业", "饮料", 700, "L051", JS, "2024-11-05", "2025-12-20"),
    ("G006", "饮料", "玻璃", 600, "L053", JS, "2024-06-18", "2025-08-17"),
    ("G007", "玻璃", "酒业", 1000, "L049", PLG, "2025-02-01", "2027-01-31"),
    # big circle: 置业 → 建工 → 水泥 → 商砼 → 机械 → 五金 → 置业 ...
    ("G008", "置业", "建工", 1000, "L036", JS, "2025-02-10", "2026-08-09"),
    ("G009", "建工", "水泥", 800, "L038", JS, "2024-09-25", "2026-09-24"),
    ("G010", "水泥", "商砼", 800, "L040", JS, "2025-01-08", "2026-07-07"),
    ("G011", "商砼", "机械", 900, "L042", JS, "2025-03-15", "2026-09-14"),
    ("G012", "机械", "五金", 700, "L044", JS, "2024-10-10", "2025-11-30"),
    ("G013", "五金", "置业", 1000, "L033", JS, "2024-12-15", "2026-12-14"),
    # ... and its chords: 置业 → 水泥, 水泥 → 五金, 机械 → 建工
    ("G014", "置业", "水泥", 1000, "L039", COL, "2024-07-01", "2025-12-31"),
    ("G015", "水泥", "五金", 500, None, GEN, "2024-10-01", "2026-09-30"),
    # (G016, signed 2026-02-10 after L037 fell overdue, brings 商砼 and 机械 back into
    #  the circle they had left when G012 ended on 2025-11-30)
    ("G016", "机械", "建工", 300, "L037", JS, "2026-02-10", "2026-06-04"),
    # chain hanging off the big circle: 照明 → 电子 → 电器 → 置业
    ("G017", "电器", "置业", 1200, "L032", JS, "2024-08-01", "2026-07-31"),
    ("G018", "电子", "电器", 600, "L046", JS, "2025-04-18", "2026-10-17"),
    ("G019", "照明", "电子", 400, None, GEN, "2025-06-01", "2026-12-31"),
    # joint guarantee (联保): 农业发展 has four guarantors, one of them a person
    ("G020", "种业", "农业发展", 300, "L058", JS, "2025-03-01", "2027-02-28"),
    ("G021", "饲料", "农业发展", 300, "L058", JS, "2025-03-01", "2027-02-28"),
    # (G022 is 8 % of 农业发展's loans: below the 10 % of the `guarantee` rule)
    ("G022", "农机", "农业发展", 120, "L058", JS, "2025-03-01", "2027-02-28"),
    ("G023", "黄志明", "农业发展", 500, "L059", JS, "2025-09-10", "2026-09-09"),
    # star (一保多): 青山融资担保 backs four borrowers, one of them a person
    ("G024", "融资担保", "家具", 300, "L009", JS, "2025-06-20", "2026-06-19"),
    ("G025", "融资担保", "服装", 400, "L024", JS, "2025-04-25", "2026-04-24"),
    ("G026", "融资担保", "印刷", 200, "L065", JS, "2025-07-07", "2026-07-06"),
    ("G027", "融资担保", "马超", 200, "L080", JS, "2025-01-05", "2025-12-31"),
    # 青山控股: its owner guarantees it, it guarantees two subsidiaries (a short tree)
    ("G028", "张伟", "控股", 3000, "L001", JS, "2024-06-15", "2027-06-14"),
    ("G029", "控股", "特钢", 1200, "L005", JS, "2025-05-08", "2026-11-07"),
    ("G030", "控股", "钢构", 600, "L006", PLG, "2025-02-14", "2026-08-13"),
    # isolated single guarantees
    ("G031", "矿业", "石材", 600, "L068", COL, "2025-01-30", "2026-01-29"),
    ("G032", "城投", "交投", 2500, "L073", JS, "2024-09-01", "2029-08-31"),
    ("G033", "周婷", "医药", 800, "L066", JS, "2025-01-20", "2026-07-19"),
]

# =====================================================================================
# Risk events (风险事件): enterprise, date, category, severity, description
# =====================================================================================
EVENTS = [
    # red: defaulted firms with severe signals
    ("玻璃", "2025-08-12", "operating", 3, "主要熔窑停产检修，订单大幅下滑"),
    ("玻璃", "2025-11-03", "credit", 4, "农商银行贷款转入可疑类，基本账户被法院冻结"),
    ("玻璃", "2026-01-15", "public_opinion", 2, "媒体报道拖欠员工工资"),
    ("鑫源", "2025-06-20", "credit", 4, "涉及多起民间借贷纠纷，银行账户被冻结"),
    ("马超", "2025-09-02", "related", 4, "实际控制人马超失联"),  # a key person's event
    ("鑫源", "2025-10-18", "public_opinion", 3, "网传非法集资，出借人聚集讨债"),
    # orange: distressed firms
    ("饮料", "2025-07-22", "operating", 2, "销售收入同比下降55%"),
    ("饮料", "2025-12-10", "related", 3, "被担保企业青山玻璃制品违约，面临600万元担保代偿"),
    ("五金", "2025-09-30", "credit", 3, "连续4期未按时还息"),
    ("五金", "2026-02-05", "operating", 3, "主要客户流失，停产两个月"),
    ("水泥", "2025-05-16", "operating", 2, "错峰生产限产，上半年亏损"),
    ("水泥", "2026-01-08", "credit", 3, "建设银行贷款逾期90天以上，转入次级类"),
    ("石材", "2025-10-25", "operating", 2, "环保整改停产"),
    ("石材", "2026-03-02", "other", 2, "涉及矿权纠纷诉讼"),
    # 置业 owes four banks 5,600 万元: a credit event makes it a debtor in distress for
    # whom a creditors' committee (债权人委员会) is due
    ("置业", "2026-03-10", "credit", 2, "商业承兑汇票逾期未兑付，多家银行要求增加担保"),
    # yellow / blue: mild signals
    ("机械", "2025-11-20", "credit", 2, "两次逾期付息"),
    ("钢铁", "2025-04-10", "operating", 1, "钢材价格下行，利润下滑"),
    ("建材", "2026-02-18", "credit", 1, "建设银行贷款办理借新还旧"),
    ("置业", "2025-12-28", "public_opinion", 2, "项目延期交付，购房者集中投诉"),
    ("置业", "2026-03-15", "other", 1, "申请缓缴土地出让金"),
    ("物流", "2025-08-08", "other", 1, "安全生产事故被行政处罚"),
    ("酒业", "2026-01-20", "related", 2, "担保圈成员青山饮料出现代偿风险"),
    ("服装", "2025-07-01", "operating", 1, "出口订单减少"),
    ("新能源", "2025-05-05", "other", 1, "重点项目二期建设进度滞后"),
]

# =====================================================================================
# Earlier periods (报告期): the county's books at 2025-09-30 and 2025-12-31
# =====================================================================================
# The books of an earlier quarter-end D are the rows above as they stood at D:
#   * a loan, guarantee or event dated after D is not in them yet; a shareholding
#     recorded after D is the same holding recorded at PREVIOUS_HOLDING_DATE;
#   * overdue days count back with the calendar (a loan 95 days overdue at 2026-03-31
#     was 5 days overdue at 2025-12-31); a loan not yet overdue at D has no overdue
#     days and one overdue payment less;
#   * PERIOD_ONLY rows were repaid or released before 2026-03-31 (gone from the books);
#   * PERIOD_LOANS / PERIOD_ENTERPRISES give what differed otherwise.
# The story, quarter by quarter, is told in datasets/README.md ("Three periods").
REGION = "青山县"
PERIODS = ("2025-09-30", "2025-12-31")  # written as demo-<date>/, UTF-8 CSV
PREVIOUS_HOLDING_DATE = "2025-06-30"

#: rows of the earlier books only: (table, row as above, the date it left the books)
PERIOD_ONLY = [
    # 互保 控股 ↔ 特钢: 特钢 backed 控股's 建设银行 loan L083; repaid at maturity on
    # 2026-01-31, G034 released with it — the pair dissolves, G029 控股 → 特钢 remains
    ("loans", ("L083", "控股", "建行", 1000, N, "2025-02-01", "2026-01-31", None, None, None),
     "2026-01-31"),
    ("guarantees", ("G034", "特钢", "控股", 1000, "L083", JS, "2025-02-01", "2026-01-31"),
     "2026-01-31"),
    # 旅游's 工商银行 loan, repaid at maturity in 2025-Q4
    ("loans", ("L084", "旅游", "工行", 500, N, "2024-10-20", "2025-10-19", None, None, None),
     "2025-10-19"),
]

#: loan id → {period: fields that differed from the count-back of the 2026-03-31 row}
PERIOD_LOANS = {
    # 置业 moved to 关注 in 2026-Q1 (its commercial bills were dishonoured, 2026-03-10)
    "L034": {"2025-12-31": {"classification": N}, "2025-09-30": {"classification": N}},
    # 水泥's 建设银行 loan fell due 2025-12-31 unpaid: 关注 → 次级 on 2026-01-08
    "L039": {"2025-12-31": {"classification": SM, "overdue_count": 2},
             "2025-09-30": {"classification": SM}},
    # 食品 was 40 days behind at 2025-12-31 and caught up in 2026-Q1 (关注 → 正常)
    "L026": {"2025-12-31": {"classification": SM, "overdue_days": 40, "overdue_count": 1}},
    # 2025-Q4: 五金's two loans and 玻璃's 农商银行 loan went down a class
    "L044": {"2025-09-30": {"classification": SM}},
    "L045": {"2025-09-30": {"classification": SS}},
    "L053": {"2025-09-30": {"classification": SS}},
}
#: enterprise key → {period: fields that differed}
PERIOD_ENTERPRISES = {
    # 玻璃 defaulted in 2025-Q4 (accounts frozen by the court, 2025-11-03)
    "玻璃": {"2025-09-30": {"status": "distressed"}},
}


# =====================================================================================
# Building the canonical rows
# =====================================================================================
def enterprise_id(key: str) -> str:
    """The unified social credit code of the enterprise with short key *key*."""
    body = next(e[1] for e in ENTERPRISES if e[0] == key)
    first17 = ORG_TYPE.get(key, "91") + DIVISION + body
    return first17 + check_char(first17)


def id_map() -> dict[str, str]:
    """Short key / person name / institution key → id."""
    m = {e[0]: enterprise_id(e[0]) for e in ENTERPRISES}
    for i, name in enumerate(PERSONS, 1):
        m[name] = f"P{i:03d}"
    for key, iid, _, _ in INSTITUTIONS:
        m[key] = iid
    if len(m) != len(ENTERPRISES) + len(PERSONS) + len(INSTITUTIONS):
        raise SystemExit("a short key is used twice")
    return m


LOAN_FIELDS = ("id", "borrower_id", "lender_id", "balance", "classification", "start_date",
               "maturity_date", "overdue_days", "overdue_count", "extensions")
GUARANTEE_FIELDS = ("id", "guarantor_id", "borrower_id", "amount", "loan_id", "type",
                    "start_date", "end_date")


def _loan_row(ids: dict[str, str], row: tuple) -> dict:
    lid, b, lender, *rest = row
    return dict(zip(LOAN_FIELDS, (lid, ids[b], ids[lender], *rest), strict=True))


def _guarantee_row(ids: dict[str, str], row: tuple) -> dict:
    gid, g, b, *rest = row
    return dict(zip(GUARANTEE_FIELDS, (gid, ids[g], ids[b], *rest), strict=True))


def build_rows() -> dict[str, list[dict]]:
    """Every table as a list of dicts: English column names, canonical values."""
    ids = id_map()
    t: dict[str, list[dict]] = {}
    t["enterprises"] = [
        {"id": ids[e[0]], **dict(zip(ENTERPRISE_FIELDS[2:], e[2:], strict=True))}
        for e in ENTERPRISES
    ]
    t["persons"] = [{"id": ids[n], "name": n} for n in PERSONS]
    t["institutions"] = [{"id": i, "name": n, "type": ty} for _, i, n, ty in INSTITUTIONS]
    t["shareholdings"] = [{"holder_id": ids[h], "company_id": ids[c], "share_pct": p,
                           "as_of": a} for h, c, p, a in SHAREHOLDINGS]
    t["positions"] = [{"person_id": ids[p], "company_id": ids[c], "role": r}
                      for p, c, r in POSITIONS]
    t["loans"] = [_loan_row(ids, r) for r in LOANS]
    t["guarantees"] = [_guarantee_row(ids, r) for r in GUARANTEES]
    t["events"] = [{"enterprise_id": ids[e], "date": d, "category": c, "severity": s,
                    "description": desc} for e, d, c, s, desc in EVENTS]
    return t


def period_rows(as_of: str) -> dict[str, list[dict]]:
    """Return the books of the earlier quarter-end *as_of* (one of PERIODS).

    They are built from the 2026-03-31 rows by the rules above the PERIOD_* lists.
    """
    ids = id_map()
    t = build_rows()
    by_key = {ids[k]: k for k in ids}
    back = (dt.date.fromisoformat(AS_OF) - dt.date.fromisoformat(as_of)).days
    started = lambda r: not r["start_date"] or r["start_date"] <= as_of  # noqa: E731
    for e in t["enterprises"]:
        e.update(PERIOD_ENTERPRISES.get(by_key[e["id"]], {}).get(as_of, {}))
    for h in t["shareholdings"]:
        if h["as_of"] and h["as_of"] > as_of:
            h["as_of"] = PREVIOUS_HOLDING_DATE
    t["events"] = [e for e in t["events"] if e["date"] <= as_of]
    extra = {"loans": [], "guarantees": []}
    for table, row, gone in PERIOD_ONLY:
        if as_of < gone:
            extra[table].append((_loan_row if table == "loans" else _guarantee_row)(ids, row))
    loans = []
    for lo in t["loans"] + extra["loans"]:
        if not started(lo):
            continue
        days = lo["overdue_days"]
        if days is not None:
            lo["overdue_days"] = days - back if days > back else None
            if lo["overdue_days"] is None and lo["overdue_count"]:
                lo["overdue_count"] = lo["overdue_count"] - 1 or None
        lo.update(PERIOD_LOANS.get(lo["id"], {}).get(as_of, {}))
        loans.append(lo)
    t["loans"] = sorted(loans, key=lambda r: r["id"])
    t["guarantees"] = sorted((g for g in t["guarantees"] + extra["guarantees"] if started(g)),
                             key=lambda r: r["id"])
    return t


# =====================================================================================
# Writers
# =====================================================================================
def _columns(table: str) -> list:
    return list(TABLES[table].columns)


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _zh_value(col, v):
    """Chinese label of an enum value (tags: each label, ';'-separated)."""
    if v is None or col.enum is None:
        return v
    labels = ENUMS[col.enum]
    if col.kind == "tags":
        return ";".join(labels[x] for x in v.split(";"))
    return labels[v]


def write_csv_utf8(rows: dict[str, list[dict]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLE_ORDER:
        cols = _columns(name)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([c.name for c in cols])
        for r in rows[name]:
            w.writerow([_text(r.get(c.name)) for c in cols])
        (folder / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8")


def _fullwidth(s: str) -> str:
    """ASCII → full-width forms (what a Chinese IME types); NFKC maps them back."""
    return "".join("\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~"
                   else ch for ch in s)


#: GBK form: (table, column) → (rows i where i % m == r get full-width text)
GBK_FULLWIDTH = {
    ("enterprises", "id"): (10, 3), ("enterprises", "registered_capital"): (6, 1),
    ("persons", "id"): (8, 0), ("institutions", "id"): (4, 2),
    ("shareholdings", "share_pct"): (4, 0), ("shareholdings", "holder_id"): (9, 5),
    ("positions", "company_id"): (15, 7),
    ("loans", "balance"): (5, 0), ("loans", "borrower_id"): (9, 4), ("loans", "id"): (11, 6),
    ("guarantees", "amount"): (4, 1), ("guarantees", "loan_id"): (7, 3),
    ("events", "date"): (5, 2),
}
#: GBK form: (table, column) → (rows i where i % m == r get padded with spaces)
GBK_PADDED = {
    ("enterprises", "name"): (4, 2), ("enterprises", "region"): (7, 5),
    ("enterprises", "status"): (9, 1), ("persons", "name"): (5, 3),
    ("institutions", "name"): (3, 1), ("shareholdings", "company_id"): (5, 2),
    ("positions", "role"): (3, 0), ("loans", "id"): (6, 1),
    ("loans", "classification"): (7, 2), ("guarantees", "borrower_id"): (5, 4),
    ("guarantees", "type"): (6, 0), ("events", "category"): (4, 3),
}


def write_csv_gbk(rows: dict[str, list[dict]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLE_ORDER:
        cols = _columns(name)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow([c.zh for c in cols])
        for i, r in enumerate(rows[name]):
            out = []
            for c in cols:
                v = r.get(c.name)
                s = _text(_zh_value(c, v))
                if c.name == "share_pct" and i % 4 in (0, 1):
                    s += "%"  # "35%" (and "３５％" in full-width rows)
                fw = GBK_FULLWIDTH.get((name, c.name))
                if s and fw and i % fw[0] == fw[1]:
                    s = _fullwidth(s)
                pad = GBK_PADDED.get((name, c.name))
                if s and pad and i % pad[0] == pad[1]:
                    s = (" " + s + "  ") if i % 2 else ("\u3000" + s + " ")
                out.append(s)
            w.writerow(out)
        (folder / f"{name}.csv").write_bytes(buf.getvalue().encode("gbk"))


_FIXED_TIME = dt.datetime(2026, 3, 31, 0, 0, 0)
#: the workbook's period sheet: header row, then one row (as_of as text, region)
PERIOD_SHEET = "数据集"
PERIOD_HEADER = ("截止日期", "地区")


def write_xlsx(rows: dict[str, list[dict]], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "graphrisk datasets/build_demo.py"
    wb.properties.created = _FIXED_TIME
    for name in TABLE_ORDER:
        table = TABLES[name]
        cols = _columns(name)
        ws = wb.create_sheet(table.zh)
        ws.append([c.zh for c in cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, r in enumerate(rows[name]):
            ws.append([None] * len(cols))
            rown = ws.max_row
            for j, c in enumerate(cols, 1):
                v = r.get(c.name)
                if v is None:
                    continue
                cell = ws.cell(row=rown, column=j)
                if c.kind in ("id", "ref", "text"):
                    cell.value = str(v)
                    cell.number_format = "@"  # ids stay text, never numbers
                elif c.kind == "date":
                    cell.value = dt.date.fromisoformat(v)
                    cell.number_format = "yyyy-mm-dd"
                elif c.kind in ("enum", "tags"):
                    cell.value = _zh_value(c, v)
                elif c.kind == "pct":  # three ways people type a share in Excel
                    if i % 3 == 0:
                        cell.value = f"{_text(v)}%"
                    elif i % 3 == 1:
                        cell.value = v
                    else:
                        cell.value = v / 100
                        cell.number_format = "0%" if float(v).is_integer() else "0.0%"
                else:
                    cell.value = v
        for j, c in enumerate(cols):
            width = max(10, 2 * len(c.zh) + 2, 22 if c.kind in ("id", "ref") else 0)
            ws.column_dimensions[chr(ord("A") + j)].width = width
        ws.freeze_panes = "A2"
    ws = wb.create_sheet(PERIOD_SHEET)  # the period, as dataset.json in a folder
    ws.append(list(PERIOD_HEADER))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append([AS_OF, REGION])
    ws["A2"].number_format = "@"  # the date as the text "2026-03-31"
    ws.column_dimensions["A"].width = ws.column_dimensions["B"].width = 12
    wb.save(path)
    _make_reproducible(path)


def _make_reproducible(path: Path) -> None:
    """Fix the zip timestamps and the 'modified' property, so rebuilding changes no byte."""
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as z:
        items = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for fname, data in items:
            if fname == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              lambda m: m.group(1) + stamp.encode(), data)
            info = zipfile.ZipInfo(fname, date_time=_FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def write_period(folder: Path, as_of: str) -> None:
    """Write ``dataset.json``: the period the folder's books are drawn up at (UTF-8)."""
    doc = {"as_of": as_of, "region": REGION}
    (folder / "dataset.json").write_text(json.dumps(doc, ensure_ascii=False) + "\n",
                                         encoding="utf-8")


def period_folder(out: Path, as_of: str) -> Path:
    """Return the folder the earlier period *as_of* is written to: ``demo-<as_of>/``."""
    return out / f"demo-{as_of}"


def build(out: Path = HERE) -> dict[str, list[dict]]:
    rows = build_rows()
    out.mkdir(parents=True, exist_ok=True)
    write_csv_utf8(rows, out / "demo")
    write_period(out / "demo", AS_OF)
    write_xlsx(rows, out / "demo.xlsx")
    write_csv_gbk(rows, out / "demo_gbk")
    write_period(out / "demo_gbk", AS_OF)
    for as_of in PERIODS:
        folder = period_folder(out, as_of)
        write_csv_utf8(period_rows(as_of), folder)
        write_period(folder, as_of)
    return rows


# =====================================================================================
# Self-check (python datasets/build_demo.py --check)
# =====================================================================================
def _inverse(enum: str) -> dict[str, str]:
    inv = {}
    for k, v in ENUMS[enum].items():
        inv[k] = k
        inv[v] = k
    inv.update(ENUM_SYNONYMS.get(enum, {}))
    return inv


def canon(col, v):
    """One cell after NFKC + strip, parsed by the column's kind (for comparing forms)."""
    if isinstance(v, dt.datetime):
        v = v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    elif isinstance(v, dt.date):
        v = v.isoformat()
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return round(float(v), 9)
    s = unicodedata.normalize("NFKC", str(v)).strip()
    if s == "":
        return None
    if col.kind == "enum":
        return _inverse(col.enum)[s]
    if col.kind == "tags":
        inv = _inverse(col.enum)
        return ";".join(inv[x.strip()] for x in s.split(";"))
    if col.kind == "pct":
        return round(float(s.rstrip("%").strip()), 9)
    if col.kind in ("amount", "signed_amount", "prob", "int", "severity"):
        return round(float(s), 9)
    return s


def _canon_rows(name: str, rows: list[dict]) -> list[tuple]:
    cols = _columns(name)
    return [tuple(canon(c, r.get(c.name)) for c in cols) for r in rows]


def _header_lookup(name: str) -> dict[str, str]:
    m = {}
    for c in _columns(name):
        m[c.name] = c.name
        for a in c.aliases:
            m[a] = c.name
    return m


def read_csv_form(folder: Path, encoding: str) -> dict[str, list[dict]]:
    import pandas as pd

    out = {}
    for name in TABLE_ORDER:
        df = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False,
                         encoding=encoding)
        hl = _header_lookup(name)
        df.columns = [hl[unicodedata.normalize("NFKC", h).strip()] for h in df.columns]
        out[name] = df.to_dict("records")
    return out


def read_xlsx_form(path: Path) -> dict[str, list[dict]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)  # not read-only: number formats are needed
    zh_to_name = {TABLES[n].zh: n for n in TABLE_ORDER}
    assert sorted(wb.sheetnames) == sorted([*zh_to_name, PERIOD_SHEET]), wb.sheetnames
    out = {}
    for ws in wb.worksheets:
        if ws.title == PERIOD_SHEET:
            continue
        name = zh_to_name[ws.title]
        hl = _header_lookup(name)
        rows = list(ws.iter_rows())
        header = [hl[c.value] for c in rows[0]]
        recs = []
        for r in rows[1:]:
            rec = {}
            for h, cell in zip(header, r, strict=True):
                v = cell.value
                if h == "share_pct" and isinstance(v, (int, float)) and "%" in cell.number_format:
                    v = v * 100
                if TABLES[name].column(h).kind in ("id", "ref") and v is not None:
                    assert isinstance(v, str), f"{name}.{h}: id stored as a number: {v!r}"
                rec[h] = v
            recs.append(rec)
        out[name] = recs
    return out


class Check:
    def __init__(self):
        self.failures = []

    def __call__(self, ok, what):
        print(("  ok    " if ok else "  FAIL  ") + what)
        if not ok:
            self.failures.append(what)


def _holdings(direct: dict, holder: str, mode: str, threshold: float = 25.0) -> dict:
    """Reference ownership (SPEC §3) for the self-check: passthrough / multiply / weakest_link."""
    if mode == "passthrough":  # least fixed point of Q(A) = {M : h(A, M) >= T}
        q: set = set()
        while True:
            h = defaultdict(float)
            for m in (holder, *q):
                for c, p in direct.get(m, {}).items():
                    if c != m:
                        h[c] += p
            h.pop(holder, None)
            new = {m for m, v in h.items() if v >= threshold}
            if new == q:
                return {c: min(v, 100.0) for c, v in h.items()}
            q = new
    out = defaultdict(float)

    def walk(node, acc, seen):
        for c, p in direct.get(node, {}).items():
            if c in seen:
                continue
            val = acc * p / 100 if mode == "multiply" else min(acc, p)
            out[c] += val
            walk(c, val, seen | {c})

    walk(holder, 100.0, {holder})
    return dict(out)


def _cascade(rows, ids_of_seed: list[str]) -> dict[str, int]:
    """Reference default cascade (SPEC §6, recovery 0): id → round it fell in."""
    ent = {e["id"]: e for e in rows["enterprises"]}
    loans_by = defaultdict(list)
    for lo in rows["loans"]:
        loans_by[lo["borrower_id"]].append(lo)
    specific, general = defaultdict(list), defaultdict(list)
    for g in rows["guarantees"]:
        (specific[g["loan_id"]] if g["loan_id"] else general[g["borrower_id"]]).append(g)
    left = {g["id"]: g["amount"] for g in rows["guarantees"]}
    called = defaultdict(float)
    fallen = {s: 0 for s in ids_of_seed}
    frontier, rnd = list(ids_of_seed), 0
    while frontier:
        rnd += 1
        hit = set()
        for b in frontier:
            for lo in loans_by[b]:
                short = lo["balance"]
                for pool in (specific[lo["id"]], general[b]):
                    cap = sum(left[g["id"]] for g in pool)
                    if cap <= 0 or short <= 0:
                        continue
                    pay = min(short, cap)
                    for g in pool:
                        c = pay * left[g["id"]] / cap
                        left[g["id"]] -= c
                        called[g["guarantor_id"]] += c
                        hit.add(g["guarantor_id"])
                    short -= pay
        frontier = []
        for x in sorted(hit):
            if x in fallen or x not in ent:
                continue
            if called[x] > (ent[x]["net_assets"] or 0):
                fallen[x] = rnd
                frontier.append(x)
    return fallen


def check(out: Path = HERE) -> int:  # noqa: C901 — a list of independent checks
    import networkx as nx

    ck = Check()
    rows = build_rows()
    ids = id_map()
    key_of = {v: k for k, v in ids.items()}
    E = {e["id"]: e for e in rows["enterprises"]}
    P = {p["id"] for p in rows["persons"]}
    INST = {i["id"]: i for i in rows["institutions"]}
    loans = {lo["id"]: lo for lo in rows["loans"]}

    print("input rules (SPEC §1)")
    all_ids = list(E) + list(P) + list(INST)
    ck(len(all_ids) == len(set(all_ids)), f"{len(all_ids)} entity ids, unique across tables")
    ck(50 <= len(E) <= 70 and 20 <= len(P) <= 30 and 4 <= len(INST) <= 6,
       f"{len(E)} enterprises, {len(P)} persons, {len(INST)} institutions")
    ck(all(is_valid(i) for i in E), "every enterprise id is a valid credit code")
    ck(len(rows["loans"]) == len(loans) and 60 <= len(loans) <= 100, f"{len(loans)} loans")
    gids = [g["id"] for g in rows["guarantees"]]
    ck(len(gids) == len(set(gids)), f"{len(gids)} guarantees, ids unique")
    bad = []
    for name in TABLE_ORDER:
        for n, r in enumerate(rows[name], 2):
            for c in _columns(name):
                v = r.get(c.name)
                if c.required and v is None:
                    bad.append(f"{name}:{n} {c.name} missing")
                if v is None:
                    continue
                if c.kind == "enum" and v not in ENUMS[c.enum]:
                    bad.append(f"{name}:{n} {c.name} {v!r}")
                if c.kind == "tags" and any(x not in ENUMS["tag"] for x in v.split(";")):
                    bad.append(f"{name}:{n} tags {v!r}")
                if c.kind == "ref" and c.name != "loan_id":
                    kinds = {"Enterprise": E, "Person": P, "Institution": INST}
                    if not any(v in kinds[k] for k in c.refs):
                        bad.append(f"{name}:{n} {c.name} {v!r} unknown")
                if c.kind == "date":
                    dt.date.fromisoformat(v)
                if c.kind == "pct" and not 0 < v <= 100:
                    bad.append(f"{name}:{n} share {v}")
                if c.kind == "prob" and not 0.005 <= v <= 0.3:
                    bad.append(f"{name}:{n} pd {v}")
                if c.kind == "amount" and v < 0:
                    bad.append(f"{name}:{n} {c.name} negative")
    for g in rows["guarantees"]:
        if g["loan_id"] and (g["loan_id"] not in loans
                             or loans[g["loan_id"]]["borrower_id"] != g["borrower_id"]):
            bad.append(f"{g['id']}: loan_id does not belong to the borrower")
        if g["guarantor_id"] == g["borrower_id"]:
            bad.append(f"{g['id']}: self-guarantee")
    for lo in rows["loans"]:
        if lo["borrower_id"] == lo["lender_id"]:
            bad.append(f"{lo['id']}: self-loan")
    for e in rows["enterprises"]:
        ta, tl, na = e["total_assets"], e["total_liabilities"], e["net_assets"]
        if None not in (ta, tl, na) and abs(ta - tl - na) > 1e-9:
            bad.append(f"{e['name']}: total_assets - total_liabilities != net_assets")
    share_sum = defaultdict(float)
    for s in rows["shareholdings"]:
        share_sum[s["company_id"]] += s["share_pct"]
        if s["holder_id"] == s["company_id"]:
            bad.append(f"self-holding {s}")
    ck(max(share_sum.values()) <= 100, f"share sums ≤ 100 (max {max(share_sum.values())})")
    pairs = [(s["holder_id"], s["company_id"]) for s in rows["shareholdings"]]
    ck(len(pairs) == len(set(pairs)), "no repeated holder/company pair")
    lr = {p["company_id"] for p in rows["positions"] if p["role"] == LR}
    ck(lr == set(E), "every enterprise has a legal representative")
    ck(not bad, "enums, references, loan_id borrowers, dates, amounts: " + ("; ".join(bad) or "all fine"))
    ck({lo["classification"] for lo in rows["loans"]} == set(ENUMS["classification"]),
       "all five loan classifications occur")
    ev = rows["events"]
    ck({e["category"] for e in ev} == set(ENUMS["event_category"])
       and {e["severity"] for e in ev} == {1, 2, 3, 4} and 15 <= len(ev) <= 25,
       f"{len(ev)} events over every category and severity")
    ck(sum(e["status"] == "distressed" for e in E.values()) == 4
       and sum(e["status"] == "defaulted" for e in E.values()) == 2, "4 distressed, 2 defaulted")

    print("guarantee structures (SPEC §5)")
    G = nx.DiGraph()
    for g in rows["guarantees"]:
        G.add_edge(g["guarantor_id"], g["borrower_id"], id=g["id"])
    K = lambda *keys: frozenset(ids[k] for k in keys)  # noqa: E731
    big = K("置业", "建工", "水泥", "商砼", "机械", "五金")
    small = K("酒业", "饮料", "玻璃")
    mutual1, mutual2 = K("钢铁", "建材"), K("纸业", "包装")
    sccs = {frozenset(c) for c in nx.strongly_connected_components(G) if len(c) > 1}
    ck(sccs == {big, small, mutual1, mutual2},
       "circles = big circle (6), 3-circle, two 互保 pairs")
    mutual = {frozenset((u, v)) for u, v in G.edges if G.has_edge(v, u)}
    ck(mutual == {mutual1, mutual2}, "exactly the two intended mutual pairs")
    chords = G.subgraph(big).number_of_edges() - len(big)
    ck(chords == 3, f"big circle has {len(big)} cycle edges + {chords} chords")
    joint = {b for b in G if G.in_degree(b) >= 3}
    star = {g for g in G if G.out_degree(g) >= 3}
    ck(joint == {ids["农业发展"]}, "joint guarantee: 农业发展 only (4 guarantors)")
    ck(star == {ids["融资担保"]}, "star: 青山融资担保 only (4 borrowers)")
    chain = [ids[k] for k in ("照明", "电子", "电器", "置业")]
    ck(all(G.has_edge(a, b) for a, b in zip(chain, chain[1:], strict=False))
       and not any(x in c for c in sccs for x in chain[:3]),
       "chain 照明→电子→电器→置业 hangs off the big circle")
    singles = [frozenset(c) for c in nx.weakly_connected_components(G) if len(c) == 2
               and not any(frozenset(c) == s for s in sccs)]
    ck(set(singles) == {K("矿业", "石材"), K("城投", "交投"), K("周婷", "医药")},
       "isolated single guarantees: 矿业→石材, 城投→交投, 周婷→医药")
    ck(nx.number_weakly_connected_components(G) == 10, "10 guarantee groups")
    ck({g["type"] for g in rows["guarantees"]} == set(ENUMS["guarantee_type"]),
       "every guarantee type occurs")
    exposure = defaultdict(float)
    lenders = defaultdict(set)
    for lo in rows["loans"]:
        exposure[lo["borrower_id"]] += lo["balance"]
        lenders[lo["borrower_id"]].add(lo["lender_id"])
    for members, expect in ((big, True), (small, False), (mutual1, False), (mutual2, False)):
        owed = set().union(*(lenders[m] for m in members))
        banks = sum(INST.get(x, {}).get("type") == "bank" for x in owed)
        micro = sum(INST.get(x, {}).get("type") == "microloan" for x in owed)
        names = "/".join(sorted(key_of[m] for m in members))
        ck(((banks >= 3) or (micro >= 5)) == expect,
           f"creditor committee {expect} for {names} ({banks} banks, {micro} microloan)")
    ck(exposure[ids["置业"]] > 5000, f"置业 exposure {exposure[ids['置业']]} > 5000 (focus)")

    print("ownership (SPEC §3) and related parties (SPEC §4)")
    direct = defaultdict(dict)
    for s in rows["shareholdings"]:
        direct[s["holder_id"]][s["company_id"]] = s["share_pct"]
    for holder, target, mode, want in (
        ("投资", "冷链", "passthrough", 40), ("投资", "冷链", "multiply", 12),
        ("化工", "新材料", "multiply", 26), ("化工", "新材料", "passthrough", 70),
        ("化工", "新材料", "weakest_link", 60),
        ("王芳", "食品", "weakest_link", 50), ("王芳", "食品", "multiply", 36),
        ("张伟", "钢构", "multiply", 22.88), ("张伟", "钢构", "passthrough", 80),
        ("纺织", "印染", "passthrough", 20), ("印染", "纺织", "passthrough", 15),
    ):
        got = _holdings(direct, ids[holder], mode).get(ids[target], 0.0)
        ck(abs(got - want) < 1e-9, f"{mode}: h({holder}, {target}) = {got:g} (want {want})")
    ck(direct[ids["纺织"]][ids["印染"]] == 20 and direct[ids["印染"]][ids["纺织"]] == 15,
       "cross-holding 纺织 20%→印染, 印染 15%→纺织")
    li = [(k, direct[ids["李强"]][ids[k]]) for k in ("茶业", "竹木", "生态农业")]
    ck(all(p >= 25 for _, p in li), f"common owner 李强: {li}")

    def capital(x):
        e = E[x]
        return e["paid_in_capital"] if e["paid_in_capital"] is not None else e["registered_capital"]

    for lid, want in (("L008", True), ("L069", True), ("L015", False)):
        lo = loans[lid]
        hit = lo["balance"] >= 0.5 * min(capital(lo["borrower_id"]), capital(lo["lender_id"]))
        ck(hit == want, f"lending rule {want} for {lid} "
           f"{key_of[lo['lender_id']]}→{key_of[lo['borrower_id']]}")
    # management: firms linked through one person's senior/management posts
    posts = defaultdict(lambda: defaultdict(set))
    for p in rows["positions"]:
        if p["role"] != SUP:
            posts[p["person_id"]][p["company_id"]].add(p["role"])
    M = nx.Graph()
    M.add_nodes_from(E)
    for firms in posts.values():
        fs = sorted(firms)
        M.add_edges_from(zip(fs, fs[1:], strict=False))
    mgmt = sorted(sorted(key_of[x] for x in c) for c in nx.connected_components(M) if len(c) > 1)
    want_mgmt = sorted(sorted(g) for g in (
        {"控股", "钢铁", "特钢", "钢构"}, {"建材", "家具"}, {"化工", "化肥", "塑料", "新材料"},
        {"投资", "物流", "华东商贸"}, {"纺织", "服装"}, {"食品", "粮油"}, {"置业", "建工"},
        {"水泥", "商砼"}, {"电器", "电子", "照明"}, {"酒业", "饮料"}, {"纸业", "包装"},
        {"农业发展", "种业", "饲料", "农机", "合作社"}, {"印刷", "医药"}, {"矿业", "石材"},
        {"城投", "交投", "水务", "新能源", "小商品市场"}, {"旅游", "酒店"}))
    ck(mgmt == want_mgmt, "people link only the intended firms (no accidental relations)")

    print("contagion (SPEC §6, recovery 0)")
    for seed, want in (("置业", {"置业": 0, "五金": 1, "电器": 1, "机械": 2, "商砼": 3}),
                       ("玻璃", {"玻璃": 0, "饮料": 1}),
                       ("水泥", {"水泥": 0})):
        got = {key_of[k]: v for k, v in _cascade(rows, [ids[seed]]).items()}
        ck(got == want, f"seed {seed}: defaults {got}")

    print("the three forms hold the same data (NFKC + strip)")
    want = {n: _canon_rows(n, rows[n]) for n in TABLE_ORDER}
    forms = {"demo/ (UTF-8)": read_csv_form(out / "demo", "utf-8"),
             "demo_gbk/ (GBK)": read_csv_form(out / "demo_gbk", "gbk"),
             "demo.xlsx": read_xlsx_form(out / "demo.xlsx")}
    for label, form in forms.items():
        diffs = [n for n in TABLE_ORDER if _canon_rows(n, form[n]) != want[n]]
        ck(not diffs, f"{label}: " + (f"differs in {diffs}" if diffs else "identical"))
    raw = b"".join((out / "demo_gbk" / f"{n}.csv").read_bytes() for n in TABLE_ORDER)
    text = raw.decode("gbk")
    ck(any(ch in text for ch in "０１２３４５６７８９") and "\u3000" in text and "％" in text,
       "GBK form carries full-width digits, ％ and ideographic spaces")
    try:
        raw.decode("utf-8")
        ck(False, "GBK form is not valid UTF-8")
    except UnicodeDecodeError:
        ck(True, "GBK form is not valid UTF-8 (encoding detection is exercised)")

    try:  # the project's own loader, when it is there
        from graphrisk.io.load import load_dataset
    except ImportError:
        print("  (graphrisk.io not available: loader check skipped)")
    else:
        print("graphrisk's loader")
        loaded = {}
        for label, path in (("demo", out / "demo"), ("demo.xlsx", out / "demo.xlsx"),
                            ("demo_gbk", out / "demo_gbk")):
            try:
                ds = load_dataset(path)
                loaded[label] = ds
                ck(not ds.warnings, f"{label}: loads, {len(ds.warnings)} warnings "
                   f"{[str(w) for w in ds.warnings][:3]}")
            except Exception as e:  # noqa: BLE001 — report, do not crash the check
                ck(False, f"{label}: {e}")
        if len(loaded) == 3:
            base = loaded["demo"]
            for label in ("demo.xlsx", "demo_gbk"):
                diff = [n for n in TABLE_ORDER if not base.tables[n].drop(columns="line")
                        .reset_index(drop=True).equals(loaded[label].tables[n]
                                                       .drop(columns="line").reset_index(drop=True))]
                ck(not diff, f"loaded {label} equals loaded demo" + (f" except {diff}" if diff else ""))

    check_periods(ck, out)
    print(f"{len(ck.failures)} failure(s)")
    return 1 if ck.failures else 0


def _live(rows: dict[str, list[dict]], d: str) -> dict[str, list[dict]]:
    """Return the rows live at *d* by the as-of rule of SPEC §1 (empty dates are live)."""
    def on(v, cmp):
        return v is None or cmp(v)
    return {
        "loans": [r for r in rows["loans"] if on(r["start_date"], lambda v: v <= d)],
        "guarantees": [g for g in rows["guarantees"]
                       if on(g["start_date"], lambda v: v <= d) and on(g["end_date"], lambda v: v >= d)],
        "shareholdings": [h for h in rows["shareholdings"] if on(h["as_of"], lambda v: v <= d)],
        "events": [e for e in rows["events"] if e["date"] <= d],
    }


def check_periods(ck: Check, out: Path) -> None:  # noqa: C901 — a list of independent checks
    """Check the three periods: dataset.json and the 数据集 sheet, the books, the story."""
    import networkx as nx
    from openpyxl import load_workbook

    print("periods (三个报告期): dataset.json, the 数据集 sheet, the story")
    ids = id_map()
    key_of = {v: k for k, v in ids.items()}
    books = {d: period_rows(d) for d in PERIODS} | {AS_OF: build_rows()}
    dates = sorted(books)
    folders = {d: period_folder(out, d) for d in PERIODS} | {AS_OF: out / "demo"}
    for d, folder in [*folders.items(), (AS_OF, out / "demo_gbk")]:
        doc = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        ck(doc == {"as_of": d, "region": REGION}, f"{folder.name}/dataset.json: {doc}")
    ws = load_workbook(out / "demo.xlsx")[PERIOD_SHEET]
    got = [tuple(c.value for c in r) for r in ws.iter_rows()]
    ck(got == [PERIOD_HEADER, (AS_OF, REGION)], f"demo.xlsx[{PERIOD_SHEET}]: {got}")
    for d in PERIODS:
        form = read_csv_form(folders[d], "utf-8")
        same = all(_canon_rows(n, form[n]) == _canon_rows(n, books[d][n]) for n in TABLE_ORDER)
        ck(same, f"{folders[d].name}/ reads back to the period's rows")

    live = {d: _live(books[d], d) for d in dates}
    gone_now = sorted(g["id"] for g in books[AS_OF]["guarantees"]
                      if g not in live[AS_OF]["guarantees"])
    ck(gone_now == ["G005", "G006", "G012", "G014", "G027", "G031"]
       and all(len(live[AS_OF][t]) == len(books[AS_OF][t])
               for t in ("loans", "shareholdings", "events")),
       f"at {AS_OF} only the guarantees {gone_now} are not live (every loan, holding, event is)")
    for d in PERIODS:
        b = books[d]
        future = [r["id"] for t in ("loans", "guarantees") for r in b[t]
                  if r["start_date"] and r["start_date"] > d]
        future += [e["date"] for e in b["events"] if e["date"] > d]
        future += [h["as_of"] for h in b["shareholdings"] if h["as_of"] and h["as_of"] > d]
        ck(not future, f"{d}: nothing in the books dated after {d}")
    same_parties = True
    for t, cols in (("loans", ("borrower_id", "lender_id")),
                    ("guarantees", ("guarantor_id", "borrower_id", "loan_id"))):
        seen: dict[str, tuple] = {}
        for d in dates:
            for r in books[d][t]:
                same_parties &= seen.setdefault(r["id"], tuple(r[c] for c in cols)) == \
                    tuple(r[c] for c in cols)
    firms = [[e["id"] for e in books[d]["enterprises"]] for d in dates]
    ck(same_parties and all(f == firms[-1] for f in firms),
       "the same enterprises in every period; a loan or guarantee id names the same parties")

    def names(keys):
        return frozenset(ids[k] for k in keys)
    big6 = names(("置业", "建工", "水泥", "商砼", "机械", "五金"))
    want_circles = {
        "2025-09-30": {big6, names(("钢铁", "建材")), names(("控股", "特钢"))},
        "2025-12-31": {names(("置业", "建工", "水泥", "五金")), names(("钢铁", "建材")),
                       names(("控股", "特钢"))},
        AS_OF: {big6, names(("钢铁", "建材")), names(("纸业", "包装"))},
    }
    for d in dates:
        G = nx.DiGraph((g["guarantor_id"], g["borrower_id"]) for g in live[d]["guarantees"])
        sccs = {frozenset(c) for c in nx.strongly_connected_components(G) if len(c) > 1}
        shown = sorted("/".join(sorted(key_of[x] for x in c)) for c in sccs)
        ck(sccs == want_circles[d], f"{d}: circles {shown}")
    story = {  # loan: class at 2025-09-30, 2025-12-31, 2026-03-31
        "L026": (N, SM, N), "L034": (N, N, SM), "L039": (SM, SM, SS),
        "L044": (SM, SS, SS), "L045": (SS, D, D), "L053": (SS, D, D),
    }
    cls = {d: {lo["id"]: lo["classification"] for lo in books[d]["loans"]} for d in dates}
    got = {lid: tuple(cls[d][lid] for d in dates) for lid in story}
    ck(got == story, f"classifications over the periods: {got}")
    npl = [sum(lo["balance"] for lo in books[d]["loans"] if lo["classification"] in (SS, D, LS))
           for d in dates]
    ck(npl == [3100, 3900, 5100], f"non-performing balance {npl} 万元")
    loan_ids = [{lo["id"] for lo in books[d]["loans"]} for d in dates]
    moves = [(sorted(a - b), sorted(b - a)) for a, b in zip(loan_ids, loan_ids[1:], strict=False)]
    ck(moves == [(["L084"], ["L023", "L027", "L028", "L050"]), (["L083"], ["L057"])],
       f"loans repaid / new per quarter: {moves}")
    status = [next(e["status"] for e in books[d]["enterprises"] if e["id"] == ids["玻璃"])
              for d in dates]
    ck(status == ["distressed", "defaulted", "defaulted"], f"玻璃 status {status}")

    try:
        from graphrisk.io.load import load_dataset
    except ImportError:
        print("  (graphrisk.io not available: loader check skipped)")
        return
    for d, folder in folders.items():
        try:
            ds = load_dataset(folder)
            ck(not ds.warnings and ds.as_of == d and ds.region == REGION,
               f"{folder.name}: loads, as of {ds.as_of}, {ds.region}, {len(ds.warnings)} warnings")
        except Exception as e:  # noqa: BLE001 — report, do not crash the check
            ck(False, f"{folder.name}: {e}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="verify the data and the files")
    ap.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: datasets/)")
    args = ap.parse_args(argv)
    build(args.out)
    print(f"wrote {args.out / 'demo'}/, {args.out / 'demo.xlsx'}, {args.out / 'demo_gbk'}/, "
          + ", ".join(f"{period_folder(args.out, d)}/" for d in PERIODS))
    return check(args.out) if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
