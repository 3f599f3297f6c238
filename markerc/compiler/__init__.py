"""The compiler: hub reading, expansion, merging, launch passes and emission."""
