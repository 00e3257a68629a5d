//! One scroll list for every list on screen (device table, OU tree, Log pane, help): a
//! cursor over `len` rows of which `height` are visible from `offset`. The lists keep their
//! rows; this keeps only the two positions and the arithmetic that used to be copied.
use std::ops::Range;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScrollList {
    pub cursor: usize,
    /// The first visible row.
    pub offset: usize,
}

impl ScrollList {
    /// Moves the cursor by `delta` (clamped to the list) and keeps it visible.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        let last = len.saturating_sub(1) as isize;
        self.cursor = (self.cursor as isize + delta).clamp(0, last.max(0)) as usize;
        self.scroll_into_view(len, height);
    }

    /// Scrolls the least needed so the cursor is within `height` rows, and no further than
    /// the end of the list.
    pub fn scroll_into_view(&mut self, len: usize, height: usize) {
        let h = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        self.offset = self.offset.min(len.saturating_sub(h));
    }

    /// Puts the cursor on the last row (a list that follows its newest entry).
    pub fn to_end(&mut self, len: usize, height: usize) {
        self.cursor = len.saturating_sub(1);
        self.scroll_into_view(len, height);
    }

    /// The rows to draw at `height`, with the cursor visible even if the list changed
    /// size since the last move (rendering never mutates, so it recomputes).
    pub fn window(&self, len: usize, height: usize) -> Range<usize> {
        let mut v = *self;
        v.cursor = v.cursor.min(len.saturating_sub(1));
        v.scroll_into_view(len, height);
        v.offset..(v.offset + height).min(len)
    }
}

#[cfg(test)]
mod tests {
    use super::ScrollList;

    #[test]
    fn moves_clamp_and_scroll_the_least_needed() {
        let mut s = ScrollList::default();
        s.move_by(5, 10, 3);
        assert_eq!((s.cursor, s.offset), (5, 3));
        s.move_by(-4, 10, 3);
        assert_eq!((s.cursor, s.offset), (1, 1));
        s.move_by(100, 10, 3);
        assert_eq!((s.cursor, s.offset), (9, 7));
        assert_eq!(s.window(10, 3), 7..10);
        assert_eq!(
            s.window(4, 3),
            1..4,
            "a shrunk list keeps the cursor visible"
        );
        s.move_by(-100, 0, 3);
        assert_eq!((s.cursor, s.offset), (0, 0));
        assert_eq!(s.window(0, 3), 0..0);
        s.to_end(50, 10);
        assert_eq!(s.window(50, 10), 40..50);
    }
}
