//! Demo customers: Chinese names, mobile numbers and complete addresses for the domestic
//! channels, and a few foreign ones for the cross-border Shopify store.

use super::rng::DemoRng;

/// A postal address, complete enough for a courier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAddress {
    /// ISO 3166-1 alpha-2.
    pub country: &'static str,
    /// Province or state.
    pub province: &'static str,
    /// City.
    pub city: &'static str,
    /// Postcode.
    pub postcode: &'static str,
    /// Street line.
    pub street: String,
}

/// A customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCustomer {
    /// Full name as written locally.
    pub name: String,
    /// Given name, for channels that split names.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail (on a reserved example domain).
    pub email: String,
    /// Phone, E.164.
    pub phone: String,
    /// Where to ship.
    pub address: DemoAddress,
}

const SURNAMES: [(&str, &str); 16] = [
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("林", "lin"),
];

const GIVEN: [(&str, &str); 16] = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("洋", "yang"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("婷", "ting"),
    ("浩然", "haoran"),
    ("子涵", "zihan"),
    ("欣怡", "xinyi"),
    ("宇轩", "yuxuan"),
    ("梓萱", "zixuan"),
    ("俊杰", "junjie"),
];

/// Chinese places: province, city, postcode; weighted towards the coastal cities.
const PLACES: [(&str, &str, &str, u64); 12] = [
    ("上海市", "上海市", "200000", 18),
    ("北京市", "北京市", "100000", 14),
    ("广东省", "深圳市", "518000", 12),
    ("广东省", "广州市", "510000", 10),
    ("浙江省", "杭州市", "310000", 9),
    ("江苏省", "南京市", "210000", 7),
    ("江苏省", "苏州市", "215000", 6),
    ("四川省", "成都市", "610000", 6),
    ("湖北省", "武汉市", "430000", 5),
    ("陕西省", "西安市", "710000", 4),
    ("重庆市", "重庆市", "400000", 5),
    ("福建省", "厦门市", "361000", 4),
];

const STREETS: [&str; 10] = [
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "南京路",
    "长江路",
    "和平路",
    "新华路",
    "学府路",
    "滨江大道",
];

const FOREIGN: [(&str, &str, &str, &str, &str, &str); 6] = [
    ("US", "CA", "San Francisco", "94105", "Emily", "Carter"),
    ("US", "NY", "New York", "10001", "Michael", "Brooks"),
    ("GB", "ENG", "London", "EC1A 1BB", "Olivia", "Hughes"),
    ("DE", "BE", "Berlin", "10115", "Lukas", "Schneider"),
    ("JP", "13", "Tokyo", "100-0001", "Yuki", "Tanaka"),
    ("AU", "NSW", "Sydney", "2000", "Jack", "Wilson"),
];

/// A customer in mainland China; `serial` keeps e-mails unique.
pub fn domestic_customer(rng: &mut DemoRng, serial: u64) -> DemoCustomer {
    let (family, family_py) = SURNAMES[rng.index(SURNAMES.len())];
    let (given, given_py) = GIVEN[rng.index(GIVEN.len())];
    let weights: Vec<u64> = PLACES.iter().map(|p| p.3).collect();
    let (province, city, postcode, _) = PLACES[rng.weighted(&weights)];
    let prefix = [138_u64, 139, 136, 186, 159, 177][rng.index(6)];
    DemoCustomer {
        name: format!("{family}{given}"),
        first_name: given.to_owned(),
        last_name: family.to_owned(),
        email: format!("{given_py}.{family_py}{serial}@customer.example.cn"),
        phone: format!("+86{prefix}{:08}", rng.below(100_000_000)),
        address: DemoAddress {
            country: "CN",
            province,
            city,
            postcode,
            street: format!(
                "{}{}号{}室",
                STREETS[rng.index(STREETS.len())],
                rng.between(1, 999),
                rng.between(101, 2608)
            ),
        },
    }
}

/// A customer abroad (cross-border orders).
pub fn foreign_customer(rng: &mut DemoRng, serial: u64) -> DemoCustomer {
    let (country, province, city, postcode, first, last) = FOREIGN[rng.index(FOREIGN.len())];
    DemoCustomer {
        name: format!("{first} {last}"),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: format!(
            "{}.{}{serial}@customer.example.com",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        phone: format!("+1415555{:04}", rng.below(10_000)),
        address: DemoAddress {
            country,
            province,
            city,
            postcode,
            street: format!("{} Market Street", rng.between(1, 2400)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_are_deterministic_and_complete() {
        let make = |seed| {
            let mut r = DemoRng::new(seed);
            (0..50)
                .map(|i| domestic_customer(&mut r, i))
                .chain((0..5).map(|i| foreign_customer(&mut DemoRng::new(seed + i), i)))
                .collect::<Vec<_>>()
        };
        assert_eq!(make(5), make(5));
        assert_ne!(make(5), make(6));
        for c in make(5) {
            assert!(!c.name.is_empty() && c.email.contains('@') && c.phone.starts_with('+'));
            let a = &c.address;
            assert!(!a.province.is_empty() && !a.city.is_empty() && !a.postcode.is_empty());
            assert!(!a.street.is_empty());
        }
    }
}
