// libqrencode draws the symbol, libpng writes it into a string. Reentrant: libqrencode guards
// its shared tables with a mutex (Debian builds it with pthread), and every libpng call works on
// structures this call owns.
#include "service/qr.h"

#include <png.h>
#include <qrencode.h>

#include <algorithm>
#include <cerrno>
#include <csetjmp>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace guanxi::service {
namespace {

struct QrFree {
  void operator()(QRcode* qr) const { QRcode_free(qr); }
};

// Where libpng writes, and the message of the error that stopped it.
struct PngSink {
  std::string bytes;
  char error[128] = {};
};

void WriteToSink(png_structp png, png_bytep data, size_t length) {
  auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
  bool appended = true;
  try {
    sink->bytes.append(reinterpret_cast<const char*>(data), length);
  } catch (...) {  // no C++ exception may unwind through libpng's C frames
    appended = false;
  }
  if (!appended) png_error(png, "out of memory");
}

void FlushSink(png_structp) {}

[[noreturn]] void OnPngError(png_structp png, png_const_charp message) {
  auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
  std::strncpy(sink->error, message, sizeof sink->error - 1);
  png_longjmp(png, 1);
}

void OnPngWarning(png_structp, png_const_charp) {}

// Fills `row` with one image row of module row `y` (y < 0 or >= width is the quiet zone).
// 1-bit grayscale: a set bit is white, so the row starts all ones and dark modules clear bits.
void RenderRow(const QRcode& qr, int y, int module_px, int margin, std::vector<png_byte>& row) {
  std::fill(row.begin(), row.end(), png_byte{0xff});
  if (y < 0 || y >= qr.width) return;
  const unsigned char* modules = qr.data + static_cast<size_t>(y) * static_cast<size_t>(qr.width);
  for (int x = 0; x < qr.width; ++x) {
    if ((modules[x] & 1) == 0) continue;  // bit 0 of each module byte: dark
    size_t px = static_cast<size_t>((margin + x) * module_px);
    for (int i = 0; i < module_px; ++i, ++px) {
      row[px / 8] = static_cast<png_byte>(row[px / 8] & ~(0x80u >> (px % 8)));
    }
  }
}

// The part that may longjmp. Everything with a destructor lives in the caller, so a longjmp
// back to the setjmp here skips no destructor (the rule for mixing setjmp with C++); only
// plain values are touched after setjmp.
bool WritePng(png_structp png, png_infop info, const QRcode& qr, int module_px, int margin,
              std::vector<png_byte>& row) {
  if (setjmp(png_jmpbuf(png))) return false;
  const int side_modules = qr.width + 2 * margin;
  const auto side_px = static_cast<png_uint_32>(side_modules * module_px);
  png_set_IHDR(png, info, side_px, side_px, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // Row filters do not help 1-bit images; zlib alone does the work.
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_write_info(png, info);
  for (int y = -margin; y < qr.width + margin; ++y) {
    RenderRow(qr, y, module_px, margin, row);
    for (int i = 0; i < module_px; ++i) png_write_row(png, row.data());
  }
  png_write_end(png, info);
  return true;
}

}  // namespace

std::string QrPng(std::string_view text, int module_px, int margin_modules) {
  if (text.empty()) throw std::invalid_argument("QR text is empty");
  if (module_px < 1 || module_px > kQrMaxModulePx) {
    throw std::invalid_argument("QR module_px must be in [1, 32]");
  }
  if (margin_modules < 0 || margin_modules > kQrMaxMarginModules) {
    throw std::invalid_argument("QR margin_modules must be in [0, 16]");
  }
  // More than version 40 holds at any level; saves libqrencode the work and keeps the int cast
  // below exact.
  constexpr size_t kMaxBytes = 2953;
  if (text.size() > kMaxBytes) throw std::invalid_argument("QR text too long");

  errno = 0;
  std::unique_ptr<QRcode, QrFree> qr(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!qr) {
    if (errno == ERANGE) throw std::invalid_argument("QR text too long");
    if (errno == ENOMEM) throw std::bad_alloc();
    throw std::runtime_error("QR encoding failed");
  }

  PngSink sink;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, OnPngError, OnPngWarning);
  if (png == nullptr) throw std::runtime_error("png_create_write_struct failed");
  png_infop info = png_create_info_struct(png);
  struct PngFree {
    png_structp* png;
    png_infop* info;
    ~PngFree() { png_destroy_write_struct(png, info); }
  } png_free_guard{&png, &info};
  if (info == nullptr) throw std::runtime_error("png_create_info_struct failed");
  png_set_write_fn(png, &sink, WriteToSink, FlushSink);

  const int side_px = (qr->width + 2 * margin_modules) * module_px;
  std::vector<png_byte> row((static_cast<size_t>(side_px) + 7) / 8);
  if (!WritePng(png, info, *qr, module_px, margin_modules, row)) {
    throw std::runtime_error(std::string("PNG encoding failed: ") + sink.error);
  }
  return std::move(sink.bytes);
}

}  // namespace guanxi::service
