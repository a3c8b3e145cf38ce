// A small SVG plot writer for the reports (self-contained, no scripts): linear axes with ticks and
// labels, points with optional error bars, polylines, shaded bands, stacked bars, a legend. Enough for
// scatter, curve and bar charts; every report figure is drawn by hetspec itself.
#pragma once
#include <string>
#include <vector>

namespace hetspec::svg {

struct Point {
  double x = 0, y = 0;
  double lo = 0, hi = 0;  // error bar in y (when hi > lo)
};

struct Series {
  std::string label, color;
  std::vector<Point> points;
  bool line = false;      // polyline through the points
  bool markers = true;
  bool dashed = false;
};

struct Plot {
  std::string title, xlabel, ylabel;
  double width = 640, height = 400;
  double legend_width = 170;  // right margin for the legend
  double xmin = 0, xmax = 1, ymin = 0, ymax = 1;  // set by fit() or by hand
  std::vector<Series> series;
  std::vector<std::pair<std::vector<Point>, std::string>> bands;  // polygon, fill colour
  std::vector<std::string> xticklabels;  // categorical x axis when non-empty (x = 0, 1, ...)
  void fit(bool include_zero_y = false);  // axis ranges from the data, with margins
  std::string render() const;
};

struct StackedBars {  // one bar per category, stacked segments; pairs of bars (predicted, measured)
  std::string title, ylabel;
  double width = 720, height = 400;
  std::vector<std::string> categories;
  std::vector<std::string> segment_labels, segment_colors;
  std::vector<std::vector<double>> predicted, measured;  // [category][segment]
  std::string render() const;
};

std::string escape(const std::string& s);
extern const char* const kPalette[10];

}  // namespace hetspec::svg
