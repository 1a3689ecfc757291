/// A small simplified → traditional character map for the generator's own text: the form's
/// labels and headings, the agency names, and common words of the prose. Only characters whose
/// traditional form converts back to the same simplified character are listed, so a report
/// converted back (OpenCC t2s) gives the agency name the expected record holds.
enum TraditionalMap {
    private static let simplified = "动开发数现废规范处罚强许费额万单项务对业采购总计减请况结转办继续复议诉讼维纠审国稳护权内类过执询关机没补后确认获访举报缴纳会组织构属于体问题进报条区员卫农广电应统医疗综军展委员学术园据协档财资划设环场监两门为这个们时实说从经济认识义达层级标准价较导运营变贯彻围号简称见际专责计划组长负领导议论视频图阅读览传递讯网络线点击链节乡镇县岚霁枫泠澜宁临栖云阶鹤鸣长东湾双桥"
    private static let traditional = "動開發數現廢規範處罰強許費額萬單項務對業採購總計減請況結轉辦繼續複議訴訟維糾審國穩護權內類過執詢關機沒補後確認獲訪舉報繳納會組織構屬於體問題進報條區員衛農廣電應統醫療綜軍展委員學術園據協檔財資劃設環場監兩門為這個們時實說從經濟認識義達層級標準價較導運營變貫徹圍號簡稱見際專責計劃組長負領導議論視頻圖閱讀覽傳遞訊網絡線點擊鏈節鄉鎮縣嵐霽楓泠瀾寧臨棲雲階鶴鳴長東灣雙橋"

    static let table: [UInt32: Unicode.Scalar] = {
        var t: [UInt32: Unicode.Scalar] = [:]
        for (s, c) in zip(simplified.unicodeScalars, traditional.unicodeScalars) where s != c { t[s.value] = c }
        return t
    }()

    static func convert(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars { out.append(u.value < 0x4E00 ? u : (table[u.value] ?? u)) }
        return String(out)
    }
}
