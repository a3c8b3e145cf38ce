#include "hetspec/report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace hetspec::svg {

const char* const kPalette[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

namespace {
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}
std::string tick(double v) {
  char b[32];
  if (std::fabs(v) >= 100 || v == std::floor(v)) std::snprintf(b, sizeof b, "%.0f", v);
  else if (std::fabs(v) >= 1) std::snprintf(b, sizeof b, "%.2g", v);
  else std::snprintf(b, sizeof b, "%.2g", v);
  return b;
}
double nice_step(double range, int target) {
  double raw = range / std::max(1, target), mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}
}  // namespace

void Plot::fit(bool include_zero_y) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& s : series)
    for (const auto& p : s.points) {
      x0 = std::min(x0, p.x);
      x1 = std::max(x1, p.x);
      y0 = std::min(y0, p.hi > p.lo ? std::min(p.y, p.lo) : p.y);
      y1 = std::max(y1, p.hi > p.lo ? std::max(p.y, p.hi) : p.y);
    }
  if (x0 > x1) x0 = 0, x1 = 1;
  if (y0 > y1) y0 = 0, y1 = 1;
  if (include_zero_y) y0 = std::min(y0, 0.0);
  const double dx = std::max(1e-9, x1 - x0), dy = std::max(1e-9, y1 - y0);
  xmin = x0 - 0.05 * dx;
  xmax = x1 + 0.05 * dx;
  ymin = include_zero_y && y0 >= 0 ? 0 : y0 - 0.08 * dy;
  ymax = y1 + 0.08 * dy;
  if (!xticklabels.empty()) xmin = -0.5, xmax = double(xticklabels.size()) - 0.5;
}

std::string Plot::render() const {
  const double L = 70, R = legend_width, T = 36, B = 56;
  const double pw = width - L - R, ph = height - T - B;
  auto X = [&](double x) { return L + (x - xmin) / (xmax - xmin) * pw; };
  auto Y = [&](double y) { return T + ph - (y - ymin) / (ymax - ymin) * ph; };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << num(width / 2) << "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">" << escape(title) << "</text>\n";
  // Bands first (under the data).
  for (const auto& [poly, fill] : bands) {
    o << "<polygon fill=\"" << fill << "\" stroke=\"none\" points=\"";
    for (const auto& p : poly) o << num(X(std::clamp(p.x, xmin, xmax))) << "," << num(Y(std::clamp(p.y, ymin, ymax))) << " ";
    o << "\"/>\n";
  }
  // Axes and ticks.
  o << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << num(pw) << "\" height=\"" << num(ph)
    << "\" fill=\"none\" stroke=\"#333\"/>\n";
  const double ys = nice_step(ymax - ymin, 6);
  for (double y = std::ceil(ymin / ys) * ys; y <= ymax + 1e-12; y += ys) {
    o << "<line x1=\"" << L << "\" x2=\"" << num(L + pw) << "\" y1=\"" << num(Y(y)) << "\" y2=\"" << num(Y(y))
      << "\" stroke=\"#ddd\"/>\n";
    o << "<text x=\"" << L - 6 << "\" y=\"" << num(Y(y) + 4) << "\" text-anchor=\"end\">" << tick(y) << "</text>\n";
  }
  if (xticklabels.empty()) {
    const double xs = nice_step(xmax - xmin, 8);
    for (double x = std::ceil(xmin / xs) * xs; x <= xmax + 1e-12; x += xs)
      o << "<text x=\"" << num(X(x)) << "\" y=\"" << num(T + ph + 16) << "\" text-anchor=\"middle\">" << tick(x) << "</text>\n";
  } else {
    for (size_t i = 0; i < xticklabels.size(); ++i)
      o << "<text x=\"" << num(X(double(i))) << "\" y=\"" << num(T + ph + 16) << "\" text-anchor=\"middle\">"
        << escape(xticklabels[i]) << "</text>\n";
  }
  o << "<text x=\"" << num(L + pw / 2) << "\" y=\"" << num(height - 12) << "\" text-anchor=\"middle\">" << escape(xlabel) << "</text>\n";
  o << "<text transform=\"translate(16," << num(T + ph / 2) << ") rotate(-90)\" text-anchor=\"middle\">" << escape(ylabel)
    << "</text>\n";
  // Data.
  int li = 0;
  for (const auto& s : series) {
    const std::string c = s.color.empty() ? kPalette[li % 10] : s.color;
    if (s.line && s.points.size() > 1) {
      o << "<polyline fill=\"none\" stroke=\"" << c << "\" stroke-width=\"1.8\"" << (s.dashed ? " stroke-dasharray=\"6,4\"" : "")
        << " points=\"";
      for (const auto& p : s.points) o << num(X(p.x)) << "," << num(Y(p.y)) << " ";
      o << "\"/>\n";
    }
    for (const auto& p : s.points) {
      if (p.hi > p.lo)
        o << "<line x1=\"" << num(X(p.x)) << "\" x2=\"" << num(X(p.x)) << "\" y1=\"" << num(Y(p.lo)) << "\" y2=\""
          << num(Y(p.hi)) << "\" stroke=\"" << c << "\"/>\n";
      if (s.markers)
        o << "<circle cx=\"" << num(X(p.x)) << "\" cy=\"" << num(Y(p.y)) << "\" r=\"3.5\" fill=\"" << c << "\"/>\n";
    }
    if (!s.label.empty()) {
      const double ly = T + 14 + 16 * li;
      o << "<rect x=\"" << num(L + pw + 10) << "\" y=\"" << num(ly - 9) << "\" width=\"10\" height=\"10\" fill=\"" << c << "\"/>\n";
      o << "<text x=\"" << num(L + pw + 24) << "\" y=\"" << num(ly) << "\">" << escape(s.label) << "</text>\n";
    }
    ++li;
  }
  o << "</svg>\n";
  return o.str();
}

std::string StackedBars::render() const {
  const double L = 70, R = 150, T = 36, B = 70;
  const double pw = width - L - R, ph = height - T - B;
  double ymax = 1e-9;
  for (size_t c = 0; c < categories.size(); ++c) {
    double a = 0, b = 0;
    for (double v : predicted[c]) a += std::max(0.0, v);
    for (double v : measured[c]) b += std::max(0.0, v);
    ymax = std::max({ymax, a, b});
  }
  ymax *= 1.08;
  auto Y = [&](double y) { return T + ph - y / ymax * ph; };
  const double slot = pw / std::max<size_t>(1, categories.size()), bw = slot * 0.36;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << num(width / 2) << "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">" << escape(title) << "</text>\n";
  o << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << num(pw) << "\" height=\"" << num(ph)
    << "\" fill=\"none\" stroke=\"#333\"/>\n";
  const double ys = nice_step(ymax, 6);
  for (double y = 0; y <= ymax; y += ys)
    o << "<text x=\"" << L - 6 << "\" y=\"" << num(Y(y) + 4) << "\" text-anchor=\"end\">" << tick(y) << "</text>\n"
      << "<line x1=\"" << L << "\" x2=\"" << num(L + pw) << "\" y1=\"" << num(Y(y)) << "\" y2=\"" << num(Y(y)) << "\" stroke=\"#eee\"/>\n";
  o << "<text transform=\"translate(16," << num(T + ph / 2) << ") rotate(-90)\" text-anchor=\"middle\">" << escape(ylabel) << "</text>\n";
  for (size_t c = 0; c < categories.size(); ++c) {
    const double x0 = L + slot * double(c) + slot * 0.12;
    for (int side = 0; side < 2; ++side) {
      const auto& segs = side == 0 ? predicted[c] : measured[c];
      double acc = 0;
      const double x = x0 + side * (bw + 2);
      for (size_t s = 0; s < segs.size(); ++s) {
        const double v = std::max(0.0, segs[s]);
        if (v <= 0) continue;
        o << "<rect x=\"" << num(x) << "\" y=\"" << num(Y(acc + v)) << "\" width=\"" << num(bw) << "\" height=\""
          << num(Y(acc) - Y(acc + v)) << "\" fill=\"" << segment_colors[s] << "\" opacity=\"" << (side == 0 ? "0.55" : "1")
          << "\"/>\n";
        acc += v;
      }
    }
    o << "<text transform=\"translate(" << num(x0 + bw) << "," << num(T + ph + 12) << ") rotate(35)\">" << escape(categories[c])
      << "</text>\n";
  }
  for (size_t s = 0; s < segment_labels.size(); ++s) {
    const double ly = T + 14 + 16 * double(s);
    o << "<rect x=\"" << num(L + pw + 10) << "\" y=\"" << num(ly - 9) << "\" width=\"10\" height=\"10\" fill=\""
      << segment_colors[s] << "\"/>\n<text x=\"" << num(L + pw + 24) << "\" y=\"" << num(ly) << "\">"
      << escape(segment_labels[s]) << "</text>\n";
  }
  o << "<text x=\"" << num(L + pw + 10) << "\" y=\"" << num(T + 30 + 16 * double(segment_labels.size()))
    << "\">left: predicted (pale)</text>\n<text x=\"" << num(L + pw + 10) << "\" y=\""
    << num(T + 46 + 16 * double(segment_labels.size())) << "\">right: measured</text>\n";
  o << "</svg>\n";
  return o.str();
}

}  // namespace hetspec::svg
