//! The sentences of the rules, the names of fields on the forms and of the legal clocks:
//! keyed by the rule's, field's or clock's own name, so everything below the record model can
//! use them.

/// The sentence for `rule` broken at `field` (a dotted path, e.g. `workers.0.resident_id`).
pub fn sentence(rule: &str, field: &str) -> &'static str {
    if let Some(said) = by_field(rule, field) {
        return said;
    }
    by_rule(rule).unwrap_or("填写的内容不符合规则，请核对")
}

/// What went wrong, for a person, when it is not a field's rule: the phones' error types by
/// name (`sealed`, `not_found`, `wrong_key`, `disk_full`, `cancelled`, `network`,
/// `unauthorised`, `storage`, `internal`).
pub fn failure(what: &str) -> &'static str {
    match what {
        "sealed" => "这条记录已签署封存，不能再修改；如需更正，请另作补充记录",
        "not_found" => "找不到这条记录",
        "wrong_key" => "本机数据无法用当前密钥打开",
        "disk_full" => "手机存储空间已满：已保存的内容没有丢失，请清理空间后重试",
        "cancelled" => "已取消：已收到的内容都已保存",
        "network" => "连不上街镇中心端，请有网络时再试",
        "unauthorised" => "本设备未加入街镇中心端，或已被停用",
        "storage" => "本机数据读写出错",
        _ => "程序出错，内容未保存",
    }
}

/// What checking a seal found, as the phones say it under a sealed record: verified, or the
/// first of content changed, no valid signature, a signer the registry does not vouch for.
pub fn seal_verdict(verified: bool, intact: bool, signed: bool) -> &'static str {
    if verified {
        "签章核验通过：内容与签署时一致"
    } else if !intact {
        "内容与签署时不一致，可能被改动"
    } else if !signed {
        "签章没有有效签名"
    } else {
        "签署设备未登记或无权签署此类记录"
    }
}

/// A field's value as a person reads it, by the field's path: money (`…_fen`) in 元, text as
/// it is, yes and no, lists joined, nothing as （空）.
pub fn value_text(path: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "（空）".to_string(),
        Value::Number(n) if path.ends_with("_fen") && n.is_i64() => {
            format!("{} 元", crate::money::yuan(n.as_i64().unwrap_or_default()))
        }
        Value::String(t) => t.clone(),
        Value::Bool(b) => (if *b { "是" } else { "否" }).to_string(),
        Value::Array(a) => a.iter().map(|v| value_text(path, v)).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

/// A running clock's name, as the ledger and the case page show it.
pub fn clock_name(rule: &str) -> &'static str {
    match rule {
        "inspection_60_working_days" => "检查办结时限（60个工作日）",
        "inspection_90_working_days_extended" => "延长后的办结时限（90个工作日）",
        "mediation_15_days" => "调解时限（15日）",
        "arbitration_review_15_days" => "申请仲裁审查期限（15日）",
        "agreement_payment" => "协议约定的支付日",
        _ => "办理时限",
    }
}

/// A running clock as the case page and the phones say it: its name, its last day, and the
/// days left in its own days (working or calendar), or the days it is overdue.
pub fn clock_text(name: &str, due_on: chrono::NaiveDate, days_left: i64, working_days: bool) -> String {
    let rest = if days_left >= 0 {
        format!("还剩 {days_left} {}", if working_days { "个工作日" } else { "天" })
    } else {
        format!("已逾期 {} 天", -days_left)
    };
    format!("{name}：截止 {due_on}，{rest}")
}

/// A field's name on the forms, for a conflict or a problem shown apart from its field. The
/// last named segment of the path counts (`workers.0.phone` is a phone).
pub fn field_name(path: &str) -> Option<&'static str> {
    let last = path.rsplit('.').find(|s| s.parse::<usize>().is_err())?;
    Some(match last {
        "amount_owed_fen" => "欠薪金额",
        // The site inspection's checklist (the order of `Inspection::checklist`).
        "real_name_and_contracts" => "实名制管理和劳动合同",
        "wage_account" => "农民工工资专用账户",
        "labour_cost_separate" => "人工费用单独拨付（不超过一个月）",
        "contractor_pays_wages" => "总承包单位代发工资，工资表有本人签字",
        "wage_guarantee_deposit" => "工资保证金",
        "rights_notice_board" => "维权信息告示牌",
        "payroll_kept_three_years" => "工资支付台账保存三年",
        "paid_in_money_personally" => "工资以货币形式直接发给本人",
        "amount_claimed_fen" => "诉求金额",
        "amount_paid_fen" => "已支付金额",
        "workers_involved" => "涉及人数",
        "headcount" => "聚集人数",
        "months_owed" => "欠薪月数",
        "risk_level" => "风险等级",
        "responsible_leader" => "包案领导",
        "responsible_person" => "责任人",
        "resolution_plan" => "化解措施",
        "status" => "状态",
        "subject" => "案由",
        "employer_name" => "用人单位",
        "name" => "姓名或名称",
        "phone" => "电话",
        "resident_id" => "身份证号码",
        "uscc" => "统一社会信用代码",
        "address" => "地址",
        "demands" => "诉求",
        "findings" => "检查发现",
        "site_name" => "检查对象",
        "filed_on" => "立案日期",
        "note" => "说明",
        "result" => "检查结果",
        "deadline" => "期限",
        _ => return None,
    })
}

fn by_field(rule: &str, field: &str) -> Option<&'static str> {
    let last = field.rsplit('.').next().unwrap_or(field);
    Some(match (rule, last) {
        ("escalation_order", "grid_assistant_arrived_at") => "网格员到场时间早于事件报告时间",
        ("escalation_order", "inspector_notified_at") => "通知监察员的时间早于事件报告时间",
        ("escalation_order", "inspector_arrived_at") => "监察员到场时间早于接到通知的时间",
        ("escalation_order", "escalated_to_leading_group_at") => "上报领导小组的时间早于事件报告时间",
        ("escalation_order", "other_district_notified_at") => "通报外区的时间早于事件报告时间",
        ("required", "name") => "请填写名称",
        ("required", "township") => "请填写所属街镇",
        ("required", "employer_name") => "请填写欠薪的用人单位名称",
        ("defaulted", "risk_level") => "未填风险等级，暂按中风险记录，请核实",
        ("defaulted", "source") => "未填案件来源，暂按排查发现记录，请核实",
        ("required", "user") => "请填写使用人（手机的使用人姓名）",
        _ => return None,
    })
}

pub(crate) fn by_rule(rule: &str) -> Option<&'static str> {
    if let Some(action) = rule.strip_prefix("role_may_") {
        return Some(match action {
            "create" => "你的角色不能新建这类记录",
            "edit" => "你的角色不能修改这类记录",
            "close" => "你的角色不能办结这类记录",
            "reopen" => "你的角色不能重新办理这类记录",
            "seal" => "你的角色不能签署这类记录",
            "record_after_seal" => "你的角色不能为这类记录补充记录",
            "assign" => "只有办公室可以指定包案领导和责任人",
            "blacklist" => "只有办公室可以把用人单位列入黑名单",
            _ => return None,
        });
    }
    Some(match rule {
        // Identity numbers and phones (domain.md "Validation").
        "resident_id_length" => "身份证号码应为18位",
        "resident_id_digits" => "身份证号码前17位应为数字",
        "resident_id_birth_date" => "身份证号码中的出生日期不存在或晚于今天",
        "resident_id_check_char" => "身份证号码校验位不对，请逐位核对",
        "uscc_length" => "统一社会信用代码应为18位",
        "uscc_charset" => "统一社会信用代码含有不允许的字符（不用I、O、S、V、Z）",
        "uscc_check_char" => "统一社会信用代码校验位不符（早期代码可能如此，请核对营业执照）",
        "mobile" => "手机号码应为13至19开头的11位数字",
        "phone" => "电话应为11位手机号码，或带区号的固定电话（如021-69791234）",
        "money_not_negative" => "金额不能为负数",
        "money_format" => "请输入金额（元），如 12000 或 1,234.56",
        "qr_frame" => "这不是 Fieldcase 的传输二维码，或二维码已损坏，请继续扫描",
        "qr_other_transfer" => "这一帧属于另一部手机的传输：请先扫完这一次，或重新开始",
        "qr_bundle_size" => "要传的记录太多，二维码传不了：请少选几条，或改用文件或热点互传",
        "printed_qr" => "这不是 Fieldcase 文书的签章二维码，或扫描不完整，请重新扫描",
        "casefile_of_case" => "卷宗只能为案件生成",
        "printable_kind" => "此类记录没有纸质文书；可打印案件、现场检查笔录、询问笔录、调解协议书和突发事件快报",
        "money_decimals" => "金额最多到分（元后两位小数）",
        "count_format" => "请输入整数",
        "count_not_negative" => "不能是负数",
        "conflict_changed" => "这处冲突已有变化，请重新查看后再选",
        "date_format" => "请按 2026-12-10 的格式填写日期",
        "instant_format" => "时间格式不对",
        "sha256" => "附件标识应为64位小写十六进制（SHA-256）",
        "not_in_future" => "时间不能晚于现在",
        "record_id" => "记录编号只能由字母、数字和 - _ . : 组成，最多128个字符",
        // Places.
        "wgs84_latitude" => "纬度应在-90到90之间",
        "wgs84_longitude" => "经度应在-180到180之间",
        "accuracy_not_negative" => "定位精度应为0或以上的米数",
        // What a full (signing or closing) check needs.
        "required" => "此项必填",
        "record_kind" => "这份内容是另一类记录，请按它的类别保存",
        "end_after_start" => "结束时间早于开始时间",
        "period_order" => "结束日期早于开始日期",
        // Inspections.
        "two_inspectors" => "至少两名执法人员，每人须有姓名和执法证号",
        "inspector_signed" => "执法人员尚未签名",
        "checklist_answered" => "每个检查项都要选择：符合、不符合或不适用",
        "non_compliance_explained" => "不符合的检查项须写明发现的问题",
        "findings_for_non_compliance" => "有不符合的检查项时，检查发现须写明查到了什么",
        "correction_order_for_non_compliance" => "有不符合的检查项时，须下达责令改正（改正什么、限期到何时）",
        "correction_after_inspection" => "改正期限早于检查日期",
        "representative_signed_or_refusal_noted" => "用人单位代表须签名，或注明拒签",
        "signed_after_start" => "签名时间早于检查开始时间",
        // Interviews.
        "interviewee_signed" => "被询问人须在笔录上签名",
        // Mediation.
        "agreement_fully_signed" => "调解协议须由每位劳动者、用人单位和调解员签名，并加盖调解组织印章",
        "signed_after_application" => "签名时间早于调解申请受理时间",
        "review_after_signing" => "仲裁审查在协议签署后另行记录，不写在协议中",
        "review_of_mediation" => "只有调解协议可以申请仲裁审查",
        "review_applied_jointly" => "仲裁审查须由双方共同申请",
        "review_applied_or_declined" => "不能既申请了仲裁审查又放弃审查",
        "review_after_effect" => "协议生效之前不能申请仲裁审查",
        "outcome_after_application" => "记录审查结果须先填写申请日期",
        "performance_of_mediation" => "履行情况只记录在调解协议上",
        // Incidents.
        "escalation_order" => "处置时间的先后顺序不对",
        // Cases: closing, extension, blacklist.
        "sign_off_before_close" => "办结前须由责任人（或办公室）签字销账",
        "resolution_before_close" => "隐患不消除不销账：须记录化解结果才能办结",
        "resolution_kind" => "请选择化解方式（全额支付、调解协议履行、仲裁裁决、法院判决、垫付、移送）",
        "resolution_date" => "请填写化解日期",
        "resolution_reference" => "请写明化解所依据的协议、裁决书或判决书",
        "amount_paid" => "全额支付的，须填写实际支付金额",
        "fund_advance_approved" => "由欠薪保障金垫付的，须有批准的垫付记录",
        "advance_shares_within_amount" => "各领取人的份额合计超过了垫付金额",
        "handover_before_transfer" => "移送的案件须写明交接（移交给哪个单位）",
        "department_named" => "请写明移送的部门",
        "sign_off_named" => "销账须写明签字人",
        "sign_off_time" => "销账须写明签字时间",
        "sign_off_by_responsible_person" => "销账须由本案责任人签字",
        "sign_off_by_closing" => "销账签字由责任人办结时自动记录，不能手工填写",
        "close_by_responsible_person" => "只有本案责任人或办公室可以办结或重新办理此案",
        "close_a_case" => "只有案件可以这样办结",
        "extension_approver" => "延长期限须写明批准人",
        "extension_approved_on" => "延长期限须写明批准日期",
        "extension_before_clock_ends" => "延长须在60个工作日届满前批准",
        "blacklist_entry" => "列入黑名单须写明列入日期、原因和期限",
        "blacklist_reason" => "请写明列入黑名单的原因（欠薪数额达到刑事立案标准，或欠薪引发群体性事件等）",
        "blacklist_three_years" => "列入黑名单的期限至少三年",
        "transfer_period_one_month" => "人工费用拨付周期超过一个月的法定上限，须跟进处理",
        // Status and seals.
        "status_transition" => "记录不能从当前状态改为这个状态",
        "status_set_by_signing" => "这个状态只能通过签署产生，不能直接修改",
        "signed_only_by_sealing" => "状态为已签署，但记录没有签章",
        "sealable_kind" => "只有检查记录、询问笔录和调解协议需要签署",
        "sealed_record" => "这条记录尚未签署",
        "after_sealing" => "记录尚未签署：草稿请直接修改",
        // The calendar.
        "calendar_year" => "日历年份不在可用范围内",
        "calendar_date_in_year" => "日期不在该年度内",
        "calendar_contradiction" => "同一天既被列为休息日又被列为工作日",
        "calendar_district_wide" => "节假日日历适用于全区",
        "working_weekend_is_weekend" => "只有周六或周日可以调为工作日",
        "monitoring_days_positive" => "监测期至少一天",
        // Record layout and editing.
        "type" => "这一项的格式不对",
        "known_field" => "记录中没有这一项",
        "known_kind" => "不认识的记录类别",
        "known_role" => "不认识的角色",
        "known_risk_level" => "风险等级应为 high（高）、medium（中）或 low（低）",
        "known_status" => "不认识的状态",
        "json_object" => "记录内容的格式不对",
        "schema_version_supported" => "这条记录来自更新版本的应用，请先更新应用",
        "same_kind" => "记录类别不能更改",
        "path" => "字段位置写法不对",
        "in_conflict" => "这一项没有待处理的冲突",
        "conflict_choice" => "请从冲突的两个值中选一个",
        "township_of_device" => "本设备只处理本街镇的记录",
        "page_size" => "每页行数超出范围",
        "cursor" => "翻页位置无效，请从第一页重新查看",
        "query" => "查询条件不完整",
        // Joining and syncing.
        "join_link" => "加入链接格式不对（应为扫描中心端二维码得到的链接）",
        "join" => "加入请求格式不对",
        "joined" => "本设备还没有加入街镇中心端",
        "same_township" => "这个加入码属于另一个街镇",
        "device_keys" => "设备密钥不完整",
        "pin" => "证书指纹应为64位十六进制",
        "url" => "中心端地址不对",
        "tls_required" => "只有本机可以不加密连接，请使用 https 地址",
        "hub_refused" => "中心端拒收了这些修改",
        "sync_message" => "收到的同步数据已损坏，请重新同步",
        "qr_text" => "内容太长，画不成二维码",
        "peer_code" => "这不是 Fieldcase 的交换码，请重新扫描同事手机上的二维码",
        "peer_message" => "与同事手机的交换数据有误，已收到的记录都已保存，请重新交换",
        "enrolled" => "本机还不在设备名册里，请先与街镇中心端同步一次再交换",
        "connection" => "与同事手机的连接断了，已收到的记录都已保存，重新交换即可补齐",
        "rejected" => "整批被拒收，未保存任何内容",
        "attachment_size" => "附件大小与记录不符",
        "resume_offset" => "附件续传位置不对，请重新同步",
        // Keys, bundles, backups.
        "key" | "key_32_bytes" => "存储密钥应为32字节",
        "passphrase_length" => "口令太短",
        "draft_size" => "草稿太大，请先保存为记录",
        "backup_new_file" => "备份不会覆盖已有文件，请换一个文件名",
        _ => return None,
    })
}
