"""The township office's pages in a real headless browser (Chromium from Debian, driven by
Selenium), as an office worker uses them against a real hub on 127.0.0.1: log in (and fail to
with a wrong password), filter the ledger, open a case, assign a person and see the change arrive
on a phone's store after its sync, export the ledger and read the XLSX back, post a form without
its CSRF token, and find markup in a record shown as text. Draws the pages to PNG.

Run by scripts/office-test (which installs what it needs)."""

import datetime
import io
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import openpyxl
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

FC = os.environ.get("FIELDCASE_BIN", "target/debug/fieldcase")
SCREENS = os.environ.get("SCREENS_DIR", "target/office-screens")
PASSWORD = "华新镇办公室2026"
HOSTILE = "<img src=x onerror=alert(1)>恶意公司"


def uscc(body17):
    """A unified social credit code: 17 characters and the GB 32100 check character."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(chars.index(c) * w for c, w in zip(body17, weights))
    return body17 + chars[(31 - total % 31) % 31]


def fc(store, *args, stdin=None, env=None):
    out = subprocess.run([FC, "--store", store, *args], input=stdin, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    if out.returncode != 0:
        raise AssertionError(f"fieldcase {' '.join(args)}: {out.stdout}{out.stderr}")
    return out.stdout


class Office(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.hub_dir = os.path.join(cls.tmp.name, "hub")
        fc(cls.hub_dir, "init", "--township", "青浦区", "--user", "办公室", "--role", "office")
        example = json.loads(subprocess.run([FC, "example", "case"], capture_output=True, text=True, check=True).stdout)
        cls.ids = []
        for i in range(12):
            c = dict(example)
            c["township"] = "华新镇" if i % 4 else "赵巷镇"
            c["subject"] = f"第{i + 1}号：拖欠工资"
            c["employer_name"] = HOSTILE if i == 5 else f"宏达物流{i + 1}号公司"
            c["risk_level"] = ["high", "medium", "low"][i % 3]
            c["amount_owed_fen"] = 100_000 * (i + 1) + 55
            c["responsible_person"] = "张丽"
            # Filed over the last seven weeks, so that the weekly report's trend has something to show.
            c["filed_on"] = (datetime.date.today() - datetime.timedelta(days=2 + 4 * i)).isoformat()
            cls.ids.append(json.loads(fc(cls.hub_dir, "new", "case", stdin=json.dumps(c)))["id"])
        for n, i in enumerate([3, 6]):
            on = (datetime.date.today() - datetime.timedelta(days=1 + 8 * n)).isoformat()
            fc(cls.hub_dir, "close", cls.ids[i], "kind=paid_in_full", f"on={on}", f"amount_paid_fen={500_000 * (n + 1)}")
        cls.uscc = {}
        for n, name in enumerate(["甲物流有限公司", "乙制造有限公司", "丁服务有限公司"]):
            code = uscc(f"9131011800000000{n}")
            cls.uscc[name] = code
            fc(cls.hub_dir, "new", "employer", stdin=json.dumps({"township": "华新镇", "name": name, "uscc": code}))
        fc(cls.hub_dir, "office-user", "--user", "华新镇办公室", "--township", "华新镇",
           env={"FIELDCASE_OFFICE_PASSWORD": PASSWORD})
        cls.hub = subprocess.Popen([FC, "--store", cls.hub_dir, "serve", "--plain", "--listen", "127.0.0.1:0"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = cls.hub.stdout.readline()
        cls.url = re.search(r'"url":"([^"]+)"', first).group(1).rstrip("/")
        # The office enrols the inspector's phone while the hub serves (the link names it).
        enrolled = fc(cls.hub_dir, "enroll", "--township", "华新镇", "--role", "inspector", "--user", "张丽")
        cls.link = re.search(r'"link": "([^"]+)"', enrolled).group(1)
        opts = webdriver.ChromeOptions()
        opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--lang=zh-CN"]:
            opts.add_argument(a)
        service = webdriver.ChromeService(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
        cls.browser = webdriver.Chrome(options=opts, service=service)
        os.makedirs(SCREENS, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.hub.terminate()
        cls.hub.wait(10)
        cls.tmp.cleanup()

    def shot(self, name):
        self.browser.save_screenshot(os.path.join(SCREENS, f"{name}.png"))

    def login(self, password):
        b = self.browser
        b.get(self.url + "/office")
        self.assertTrue(b.current_url.endswith("/office/login"), "a page without a session goes to the login")
        b.find_element(By.ID, "user").send_keys("华新镇办公室")
        b.find_element(By.ID, "password").send_keys(password)
        b.find_element(By.ID, "login").click()

    def wait_for(self, element_id):
        return WebDriverWait(self.browser, 10).until(EC.presence_of_element_located((By.ID, element_id)))

    def cookie(self):
        return "; ".join(f"{c['name']}={c['value']}" for c in self.browser.get_cookies())

    def request(self, path, data=None):
        req = urllib.request.Request(self.url + path, data=data, headers={"Cookie": self.cookie()})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_an_office_worker_uses_the_ledger(self):
        b = self.browser
        # A wrong password, then the right one.
        self.login("wrong password")
        self.assertIn("用户名或密码不对", self.wait_for("problem").text)
        self.shot("office-login-refused")
        self.login(PASSWORD)
        self.wait_for("ledger")
        self.assertTrue(b.current_url.endswith("/office"), b.current_url)
        rows = b.find_elements(By.CSS_SELECTOR, "#ledger tr:not(.total)")[1:]
        self.assertEqual(len(rows), 9, "the township's 9 of 12 cases")
        self.shot("office-ledger")

        # Markup in a record is text: no image element, no alert.
        self.assertIn(HOSTILE, b.find_element(By.ID, "ledger").text)
        self.assertEqual(len(b.find_elements(By.CSS_SELECTOR, "#ledger img")), 0)
        with self.assertRaises(NoAlertPresentException):
            b.switch_to.alert.text

        # Filter by risk level.
        Select(b.find_element(By.ID, "risk")).select_by_value("high")
        b.find_element(By.ID, "filter").click()
        WebDriverWait(b, 10).until(lambda d: "risk=high" in d.current_url)
        risks = [r.find_elements(By.TAG_NAME, "td")[5].text for r in b.find_elements(By.CSS_SELECTOR, "#ledger tr:not(.total)")[1:]]
        self.assertTrue(risks and all(r == "高风险" for r in risks), risks)

        # Open a case and assign a person.
        b.get(self.url + "/office")
        b.find_element(By.LINK_TEXT, "宏达物流2号公司").click()
        self.wait_for("employer")
        case_id = b.current_url.rsplit("/", 1)[1]
        self.assertEqual(b.find_element(By.ID, "employer").text, "宏达物流2号公司")
        self.shot("office-case")
        # 打印卷宗: the case file as the browser receives it, a PDF that names the case.
        href = b.find_element(By.ID, "casefile").get_attribute("href")
        self.assertTrue(href.endswith(f"/office/case/{case_id}/casefile.pdf"), href)
        status, body = self.request(href[len(self.url):])
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(b"%PDF-"), body[:40])
        pdf = os.path.join(self.tmp.name, "卷宗.pdf")
        with open(pdf, "wb") as f:
            f.write(body)
        text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
        self.assertIn("劳动保障监察案件卷宗", text)
        self.assertIn("宏达物流2号公司", text)
        leader = b.find_element(By.ID, "new-leader")
        leader.clear()
        leader.send_keys("周明")
        person = b.find_element(By.ID, "new-person")
        person.clear()
        person.send_keys("吴军")
        b.find_element(By.ID, "assign").click()
        self.assertIn("已保存", self.wait_for("done").text)
        self.assertEqual(b.find_element(By.ID, "person").text, "吴军")

        # A form posted without its token is refused, and changes nothing.
        status, body = self.request(f"/office/case/{case_id}/assign",
                                    urllib.parse.urlencode({"leader": "x", "person": "攻击者"}).encode())
        self.assertEqual(status, 403)
        self.assertIn("校验码", body.decode())

        # Another township's case is out of sight: its page is not found, and its forms, posted
        # with this session's token, answer as for a case that does not exist, with nothing of
        # that case in the answer (issue 18, finding 1).
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', b.page_source).group(1)
        theirs = self.ids[0]  # 赵巷镇's, with employer 宏达物流1号公司
        b.get(f"{self.url}/office/case/{theirs}")
        self.assertIn("找不到这条记录", self.wait_for("problem").text)
        self.assertNotIn("宏达物流1号公司", b.page_source)
        nobody = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
        for action, form in [("assign", {"leader": "x", "person": "y"}), ("risk", {"risk": "low"}),
                             ("follow-up", {"kind": "call", "outcome": "电话"}), ("resolve", {"path": "status", "choice": "0"})]:
            data = urllib.parse.urlencode({**form, "csrf": csrf}).encode()
            other = self.request(f"/office/case/{theirs}/{action}", data)
            missing = self.request(f"/office/case/{nobody}/{action}", data)
            self.assertEqual(other, missing, action)
            self.assertEqual(other[0], 404, action)
            self.assertNotIn("宏达物流1号公司", other[1].decode(), action)

        # The phone receives the office's change on its next sync.
        phone = os.path.join(self.tmp.name, "phone")
        fc(phone, "join", self.link)
        fc(phone, "sync")
        shown = json.loads(fc(phone, "show", case_id))
        record = shown.get("record", shown)
        self.assertEqual(record["responsible_person"], "吴军")
        self.assertEqual(record["responsible_leader"], "周明")

        # The export opens as a workbook: one sheet per risk level, 元 with decimals, totals.
        status, data = self.request("/office/ledger.xlsx")
        self.assertEqual(status, 200)
        book = openpyxl.load_workbook(io.BytesIO(data))
        self.assertEqual(book.sheetnames, ["高风险", "中风险", "低风险"])
        cases = 0
        for ws in book.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            self.assertEqual(rows[1][:3], ("序号", "单位名称", "统一社会信用代码"))
            body = rows[2:-1]
            cases += len(body)
            self.assertEqual(rows[-1][1], "合计")
            self.assertAlmostEqual(rows[-1][7], sum(r[7] for r in body))
            self.assertTrue(all(r[3] == "华新镇" for r in body))
        self.assertEqual(cases, 9)
        self.assertEqual(book["中风险"].cell(3, 8).number_format, "#,##0.00")

        # The weekly report prints as a page, with its chart and the three zeros.
        b.find_element(By.LINK_TEXT, "周报").click()
        self.wait_for("week")
        self.assertEqual(len(b.find_elements(By.CSS_SELECTOR, "#chart rect")), 3)
        self.assertIn("源头监控零失控", b.find_element(By.ID, "zeros").text)
        self.shot("office-week")

        # Early warning: a month of indicators with a known answer, one bad row.
        a, b2, d = self.uscc["甲物流有限公司"], self.uscc["乙制造有限公司"], self.uscc["丁服务有限公司"]
        csv_path = os.path.join(self.tmp.name, "指标.csv")
        # Saved as Chinese Windows saves CSV by default: GB18030, not UTF-8.
        with open(csv_path, "w", encoding="gb18030") as f:
            f.write("统一社会信用代码,月份,参保人数,纳税额,用电量,用水量,社保欠费\n")
            f.write(f"{a},2026-09,100,5000,20000,300,否\n{a},2026-10,60,4000,19000,290,否\n")
            f.write(f"{b2},2026-09,80,3000,10000,100,否\n{b2},2026-10,78,2900,4000,95,否\n")
            f.write(f"{d},2026-09,40,800,3000,50,否\n{d},2026-10,38,790,2900,48,否\n")
            f.write(f"{d},2026-13,38,790,2900,48,否\n")
        b.find_element(By.LINK_TEXT, "预警").click()
        self.wait_for("file").send_keys(csv_path)
        b.find_element(By.ID, "upload").click()
        self.assertIn("已导入 6 行，涉及 3 家用人单位", self.wait_for("import").text)
        self.assertIn("第 8 行", b.find_element(By.ID, "row-problems").text)
        flagged = [r.find_elements(By.TAG_NAME, "td")[0].text for r in b.find_elements(By.CSS_SELECTOR, "#warnings tr")[1:]]
        self.assertEqual(sorted(flagged), ["乙制造有限公司", "甲物流有限公司"])
        self.assertIn("参保人数环比下降40%", b.find_element(By.ID, "warnings").text)
        self.shot("office-warnings")
        b.find_element(By.XPATH, "//tr[td[text()='甲物流有限公司']]//button").click()
        self.assertEqual(self.wait_for("employer").text, "甲物流有限公司")

        # The township's Excel ledger: checked first (five wrong rows, nothing written), then a
        # clean one in GB18030 brought in whole.
        fixture = os.path.join(os.path.dirname(__file__), "..", "fixtures", "ledger", "华新镇台账.xlsx")
        b.get(self.url + "/office")
        self.wait_for("ledger-file").send_keys(os.path.abspath(fixture))
        b.find_element(By.ID, "ledger-check").click()
        self.assertIn("有 5 处问题须先改正", self.wait_for("verdict").text)
        problems = b.find_element(By.ID, "import-problems").text
        for cell in ["D46", "G92", "F138", "N183", "E227"]:
            self.assertIn(cell, problems)
        self.assertIn("“约三万”：请输入金额（元）", problems)
        self.assertIn("275", b.find_element(By.ID, "import-totals").text)
        self.shot("office-ledger-check")
        clean = os.path.join(self.tmp.name, "台账.csv")
        with open(clean, "w", encoding="gb18030") as f:
            f.write("华新镇欠薪隐患排查台账\n序号,单位名称,所属街镇,风险等级,涉及人数,欠薪金额(元),责任人,是否销账\n")
            f.write('1,上海庚建设工程有限公司,华新镇,高,12,"86,000.00",吴军,否\n')
            f.write("2,上海辛物流有限公司,华新镇,中,5,2.5万,吴军,否\n")
            f.write("3,上海壬精密机械有限公司,华新镇,低,3,9800,吴军,是\n")
        b.get(self.url + "/office")
        self.wait_for("ledger-file").send_keys(clean)
        b.find_element(By.ID, "ledger-import-button").click()
        self.assertIn("已导入：新建案件 2 件，新建用人单位 2 家", self.wait_for("verdict").text)
        self.assertIn("111,000.00", b.find_element(By.ID, "import-totals").text)
        self.shot("office-ledger-import")
        b.get(self.url + "/office")
        ledger = self.wait_for("ledger").text
        self.assertIn("上海庚建设工程有限公司", ledger)
        self.assertIn("25,000.00", ledger)
        self.assertNotIn("上海壬精密机械有限公司", ledger)

        b.get(self.url + "/office/audit")
        self.assertIn("指定包案领导和责任人", self.wait_for("audit").text)
        self.assertIn("导入台账", b.find_element(By.ID, "audit").text)
        self.assertIn("打印文书", b.find_element(By.ID, "audit").text)
        self.shot("office-audit")


if __name__ == "__main__":
    unittest.main(verbosity=2)
