//! Where things go on screen, as pure functions of the terminal size. Both the draw code
//! and the state (page sizes, mouse clicks) use these, so they always agree.
use ratatui::layout::Rect;

/// Below this the layout cannot show a usable table; a message says so instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub main: Rect,
    pub footer: Rect,
    /// Inventory pane: the OU tree and the device table (borders included).
    pub tree: Rect,
    pub table: Rect,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

pub fn areas(area: Rect) -> Areas {
    let header_h = 2.min(area.height);
    let footer_h = 2.min(area.height.saturating_sub(header_h));
    let header = Rect {
        height: header_h,
        ..area
    };
    let main = Rect {
        y: area.y + header_h,
        height: area.height.saturating_sub(header_h + footer_h),
        ..area
    };
    let footer = Rect {
        y: main.y + main.height,
        height: footer_h,
        ..area
    };
    let (tree, table) = split_main(main);
    Areas {
        header,
        main,
        footer,
        tree,
        table,
    }
}

/// The inventory pane's split: the OU tree takes a third, at most 34 columns.
pub fn split_main(main: Rect) -> (Rect, Rect) {
    let tree_w = (main.width / 3).min(34);
    let tree = Rect {
        width: tree_w,
        ..main
    };
    let table = Rect {
        x: main.x + tree_w,
        width: main.width.saturating_sub(tree_w),
        ..main
    };
    (tree, table)
}

/// Rows of devices the table shows (inside the border, below the column titles).
pub fn table_rows(area: Rect) -> usize {
    areas(area).table.height.saturating_sub(3) as usize
}

/// Rows the tree shows inside its border.
pub fn tree_rows(area: Rect) -> usize {
    areas(area).tree.height.saturating_sub(2) as usize
}

/// Lines a full-pane list (log, detail, help) shows inside its border.
pub fn main_rows(area: Rect) -> usize {
    areas(area).main.height.saturating_sub(2) as usize
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
