//! Static tables the tenant generator draws from: names, domains, OU trees and device profiles.
//! Data only; the choices that use them live in `tenant.rs`.

pub const GIVEN: &[&str] = &[
    "Alice", "Ben", "Carla", "David", "Elin", "Farah", "Gustav", "Hanna", "Ivan", "Julia", "Karim",
    "Lena", "Marco", "Nora", "Oskar", "Priya", "Quentin", "Rosa", "Samir", "Tova", "Umar", "Vera",
    "William", "Xenia", "Yusuf", "Zoe", "Anders", "Beatriz", "Chen", "Dmitri", "Emma", "Fatima",
    "Georg", "Ingrid", "Jonas", "Kenji", "Leila", "Mateo", "Nadia", "Olof", "Pablo", "Rania",
    "Sven", "Tomas", "Ulla", "Viktor", "Wei", "Ylva", "Amira", "Bruno", "Dana", "Eero", "Freja",
    "Hugo", "Isak", "Jana", "Linnea", "Maja", "Noah", "Omar", "Petra", "Sara", "Theo", "Agnes",
];

pub const FAMILY: &[&str] = &[
    "Andersson",
    "Berg",
    "Costa",
    "Dahl",
    "Eriksson",
    "Fischer",
    "Garcia",
    "Holm",
    "Ibrahim",
    "Jensen",
    "Karlsson",
    "Lindqvist",
    "Moreau",
    "Nilsson",
    "Olsen",
    "Petrov",
    "Quist",
    "Rossi",
    "Svensson",
    "Tanaka",
    "Umarov",
    "Virtanen",
    "Wagner",
    "Xu",
    "Yilmaz",
    "Zimmermann",
    "Ahmed",
    "Bjork",
    "Chowdhury",
    "Dubois",
    "Ek",
    "Fernandez",
    "Gupta",
    "Hansen",
    "Iqbal",
    "Johansson",
    "Kowalski",
    "Larsen",
    "Meyer",
    "Novak",
    "Oliveira",
    "Persson",
    "Richter",
    "Sandberg",
    "Torres",
    "Vik",
    "Wong",
    "Ali",
    "Lund",
    "Nguyen",
    "Park",
    "Santos",
    "Strand",
    "Weber",
    "Kim",
    "Haddad",
];

/// (primary, secondary) domain pairs; the seed picks one.
pub const DOMAINS: &[(&str, &str)] = &[
    ("northfield.edu", "alumni.northfield.edu"),
    ("lakeside-academy.org", "lakeside-staff.org"),
    ("brightwater-health.org", "bwh-research.org"),
    ("kestrel-logistics.com", "kestrel.io"),
    ("hillcrest.school", "hillcrest-trust.org"),
];

/// The OU tree and the relative weight of users placed in each OU (the root holds a few).
/// `/Pilot` is the small test OU the migration starts with.
pub const ORG_UNITS: &[(&str, &str, u32)] = &[
    ("/", "", 2),
    ("/Pilot", "Migration test OU", 0),
    ("/Staff", "All staff", 3),
    ("/Staff/Teachers", "Teaching staff", 14),
    ("/Staff/Admin", "Administration", 5),
    ("/Staff/Admin/Finance", "Finance office", 2),
    ("/Students", "Students", 2),
    ("/Students/Year7", "", 9),
    ("/Students/Year8", "", 9),
    ("/Students/Year9", "", 9),
    ("/Students/Year10", "", 8),
    ("/Students/Year11", "", 7),
    ("/Sales", "Sales", 2),
    ("/Sales/EMEA", "Europe, Middle East, Africa", 6),
    ("/Sales/Americas", "", 5),
    ("/Sales/APAC", "", 3),
    ("/IT", "IT department", 2),
    ("/Contractors", "External contractors", 3),
    ("/Suspended Accounts", "Leavers", 1),
];

/// One kind of phone as Google reports it: (model, os versions, user agents, brand, manufacturer).
pub struct Profile {
    pub model: &'static str,
    pub os: &'static [&'static str],
    pub user_agents: &'static [&'static str],
    pub brand: &'static str,
    pub manufacturer: &'static str,
    /// An EMM (Ivanti, Workspace ONE…) pushed this Exchange profile, not the user.
    pub emm: bool,
}

const IOS_OS: &[&str] = &[
    "iOS 16.7.8",
    "iOS 17.4.1",
    "iOS 17.5",
    "iOS 17.6.1",
    "iOS 18.0",
    "iOS 18.1.1",
];

/// Google Sync (Exchange ActiveSync) clients. Apple's native Exchange agent reports its hardware
/// model code and build; EMM-pushed profiles carry the EMM's agent.
pub const GOOGLE_SYNC: &[Profile] = &[
    Profile {
        model: "iPhone",
        os: IOS_OS,
        user_agents: &[
            "Apple-iPhone14C2/2104.92",
            "Apple-iPhone15C3/2107.100",
            "Apple-iPhone13C2/2008.230",
            "Apple-iPhone16C1/2201.81",
        ],
        brand: "",
        manufacturer: "Apple Inc.",
        emm: false,
    },
    Profile {
        model: "iPad",
        os: IOS_OS,
        user_agents: &["Apple-iPad13C11/2104.92", "Apple-iPad14C1/2107.100"],
        brand: "",
        manufacturer: "Apple Inc.",
        emm: false,
    },
    Profile {
        model: "iPhone",
        os: IOS_OS,
        user_agents: &[
            "MobileIron-iOS/12.1.0 Apple-iPhone14C2/2104.92",
            "AirWatch Agent/23.06 Apple-iPhone15C3/2107.100",
            "Ivanti-EPMM/12.0 Apple-iPhone13C2/2008.230",
        ],
        brand: "",
        manufacturer: "Apple Inc.",
        emm: true,
    },
    Profile {
        model: "SM-G991B",
        os: &["Android 13", "Android 14"],
        user_agents: &[
            "Android-SAMSUNG-SM-G991B/101.300",
            "Boxer/23.05.0.14 Android",
        ],
        brand: "samsung",
        manufacturer: "samsung",
        emm: false,
    },
];

/// iOS devices with a native Google account (what users should end on).
pub const IOS_SYNC: &[Profile] = &[
    Profile {
        model: "iPhone15,2",
        os: IOS_OS,
        user_agents: &[
            "iOS/17.5 (21F79) dataaccessd/1.0",
            "iOS/18.1.1 (22B91) dataaccessd/1.0",
        ],
        brand: "",
        manufacturer: "Apple Inc.",
        emm: false,
    },
    Profile {
        model: "iPhone14,7",
        os: IOS_OS,
        user_agents: &["iOS/17.6.1 (21G93) dataaccessd/1.0"],
        brand: "",
        manufacturer: "Apple Inc.",
        emm: false,
    },
    // Appended after the generated ones: only users who move to the Gmail app get it.
    Profile {
        model: "iPhone15,2",
        os: IOS_OS,
        user_agents: &["com.google.Gmail/6.0.241020 iPhone/18.1.1 hw/iPhone15_2"],
        brand: "",
        manufacturer: "Apple Inc.",
        emm: false,
    },
];

/// The Gmail-for-iOS profile in [`IOS_SYNC`], never drawn by the generator.
pub const IOS_GMAIL_PROFILE: u8 = 2;
/// How many [`IOS_SYNC`] profiles the generator draws from.
pub const IOS_GENERATED_PROFILES: usize = 2;

pub const ANDROID: &[Profile] = &[
    Profile {
        model: "Pixel 8",
        os: &["Android 14", "Android 15"],
        user_agents: &[""],
        brand: "google",
        manufacturer: "Google",
        emm: false,
    },
    Profile {
        model: "SM-S921B",
        os: &["Android 14"],
        user_agents: &[""],
        brand: "samsung",
        manufacturer: "samsung",
        emm: false,
    },
    Profile {
        model: "moto g54 5G",
        os: &["Android 13", "Android 14"],
        user_agents: &[""],
        brand: "motorola",
        manufacturer: "motorola",
        emm: false,
    },
];

/// Cloud Identity setting types served. `api_controls.*` are read-only through the API.
pub const IMAP_SETTING: &str = "settings/gmail.imap_access";
pub const API_CONTROL_SETTINGS: &[&str] = &[
    "settings/api_controls.unconfigured_third_party_apps",
    "settings/api_controls.third_party_app_access",
];
/// The Apple iOS client ID Google's migration guide tells admins to trust.
pub const IOS_CLIENT_ID: &str =
    "450232826690-0rm6bs9d2fps9tifvk2oodh3tasd7vl7.apps.googleusercontent.com";
