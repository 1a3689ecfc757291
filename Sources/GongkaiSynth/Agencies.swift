/// Made-up places and bodies. The city and district names are invented (they are not real
/// places); bureau names are the usual kinds of local government bodies.
public struct SyntheticAgency: Hashable, Sendable {
    /// Position in the corpus's sequence of agencies.
    public let index: Int
    /// The name as a title prints it, e.g. `澄岚市交通运输局`.
    public let name: String
    /// The city, e.g. `澄岚市`, and its ASCII slug for folder names.
    public let city: String
    public let citySlug: String
    /// The district for district bodies, else nil.
    public let district: String?
    /// Typical number of applications a year: most bodies get a handful, a few thousands.
    public let scale: Double
    /// Whether the body makes 规章 (city governments and their legal offices).
    public let makesRegulations: Bool
}

enum Places {
    static let cities: [(name: String, slug: String)] = [
        ("澄岚", "chenglan"), ("雁汀", "yanting"), ("芷洲", "zhizhou"), ("霁原", "jiyuan"),
        ("桐汐", "tongxi"), ("枫泠", "fengling"), ("沄水", "yunshui"), ("璟山", "jingshan"),
        ("朔澜", "shuolan"), ("岫宁", "xiuning"), ("溪棠", "xitang"), ("昀川", "yunchuan"),
        ("汀芷", "tingzhi"), ("澹川", "danchuan"), ("槿原", "jinyuan"), ("栖汐", "qixi"),
        ("蘅洲", "hengzhou"), ("泠枫", "lingfeng"), ("璇水", "xuanshui"), ("沅汀", "yuanting"),
        ("棠溪", "tangxi"), ("翎山", "lingshan"), ("箬澜", "ruolan"), ("渟宁", "tingning"),
    ]
    /// District names are two invented syllables, unique nationwide (district d belongs to city
    /// d % cities.count), so a title that leaves out the city still names one body. With 24 cities
    /// and 1,600 districts there are 40,816 bodies: a 100,000-report corpus (about 25,000 bodies
    /// of four years each) names each once.
    static let districtFirst = Array("临望青栖云松鹤金长东西南北新石柏兰苇蓉杏梨桂荻芦菱蒲茗蔚澹泓桃枣梓栎桑榆槐杨柘椿".map(String.init))
    static let districtSecond = Array("湖江杉梧阶汀鸣穗堤岚汐屏泠港榴川桥岭塘坪湾洲渚原岗陂坞圩埠滩泽浦渡沙矶峪沟垣墩畈".map(String.init))
    static var districtCount: Int { districtFirst.count * districtSecond.count }
    static func district(_ d: Int) -> String { districtFirst[d / districtSecond.count] + districtSecond[d % districtSecond.count] }
    static let streets = ["柳岸", "桂坊", "荷塘", "竹溪", "清源", "双桥"]

    /// (name, typical applications a year, makes 规章)
    static let cityBodies: [(String, Double, Bool)] = [
        ("人民政府", 900, true), ("人民政府办公室", 400, true), ("公安局", 1500, false), ("自然资源和规划局", 1200, false),
        ("住房和城乡建设局", 700, false), ("交通运输局", 150, false), ("生态环境局", 120, false),
        ("市场监督管理局", 350, false), ("卫生健康委员会", 110, false), ("教育局", 90, false), ("民政局", 40, false),
        ("司法局", 60, true), ("财政局", 45, false), ("人力资源和社会保障局", 160, false), ("水务局", 35, false),
        ("农业农村局", 30, false), ("商务局", 20, false), ("文化广电旅游局", 15, false), ("应急管理局", 25, false),
        ("统计局", 8, false), ("医疗保障局", 30, false), ("城市管理和综合执法局", 130, false), ("退役军人事务局", 10, false),
        ("发展和改革委员会", 70, false), ("工业和信息化局", 12, false), ("科学技术局", 8, false), ("审计局", 6, false),
        ("体育局", 4, false), ("林业和园林局", 12, false), ("政务服务数据管理局", 10, false), ("协作办公室", 2, false),
        ("档案局", 3, false), ("机关事务管理局", 3, false), ("地方志办公室", 1, false),
    ]
    static let districtBodies: [(String, Double)] = [
        ("人民政府", 500), ("人民政府办公室", 150), ("住房和城乡建设局", 120), ("规划和自然资源分局", 300),
        ("教育局", 30), ("民政局", 15), ("卫生健康局", 25), ("市场监督管理局", 60), ("城市管理和综合执法局", 70),
        ("人力资源和社会保障局", 30), ("财政局", 10), ("农业农村局", 12), ("司法局", 8), ("应急管理局", 6),
        ("统计局", 2), ("协作办公室", 1), ("科技工业商务和信息化局", 5), ("发展和改革局", 12), ("水务局", 10),
    ]

    /// Every body the generator can name: city bodies, district bodies, street offices.
    static var citySlots: Int { cities.count * cityBodies.count }
    static var districtSlots: Int { districtCount * districtBodies.count }
    static var streetSlots: Int { districtCount * streets.count }
    /// How many distinct agencies a corpus can have (names repeat beyond it).
    public static var capacity: Int { citySlots + districtSlots + streetSlots }

    /// Agency `index` gets its own slot of the name space (an affine permutation, one-to-one
    /// below `capacity`), so no two agencies share a name; the seed shifts the permutation.
    static func agency(index: Int, seed: UInt64) -> SyntheticAgency {
        var rng = SplitMix64(seed: seed, stream: UInt64(index), 1)
        let jitter = rng.logUniform(0.25, 4)
        let total = capacity
        let slot = (index % total * 7919 + Int(seed % UInt64(total))) % total   // 7919 is prime and does not divide total
        if slot < citySlots {
            let city = cities[slot / cityBodies.count]
            let b = cityBodies[slot % cityBodies.count]
            return SyntheticAgency(index: index, name: city.name + "市" + b.0, city: city.name + "市", citySlug: city.slug,
                                   district: nil, scale: b.1 * jitter, makesRegulations: b.2)
        }
        if slot < citySlots + districtSlots {
            let k = slot - citySlots
            let d = k / districtBodies.count
            let city = cities[d % cities.count]
            let district = Places.district(d) + "区"
            let b = districtBodies[k % districtBodies.count]
            // Some titles leave out the city (广州市番禺区… vs 番禺区…).
            let prefix = rng.chance(0.8) ? city.name + "市" : ""
            return SyntheticAgency(index: index, name: prefix + district + b.0, city: city.name + "市", citySlug: city.slug,
                                   district: district, scale: b.1 * jitter, makesRegulations: false)
        }
        let k = slot - citySlots - districtSlots
        let d = k / streets.count
        let city = cities[d % cities.count]
        let district = Places.district(d) + "区"
        let street = streets[k % streets.count] + "街道办事处"
        return SyntheticAgency(index: index, name: city.name + "市" + district + street, city: city.name + "市", citySlug: city.slug,
                               district: district, scale: 3 * jitter, makesRegulations: false)
    }
}
