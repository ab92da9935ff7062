"""Case views, split by subject. Views are thin: parse, call one service or selector, render."""
