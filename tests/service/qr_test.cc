// Tests of QrPng: a real PNG (signature, IHDR), of the promised size, whose pixels are
// libqrencode's modules scaled and framed by white margin, that zbarimg reads back to the same
// text; and the refusals (empty, too long, silly sizes).
#include "service/qr.h"

#include <gtest/gtest.h>
#include <png.h>
#include <qrencode.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace guanxi::service {
namespace {

uint32_t BigEndian32(std::string_view bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

struct Ihdr {
  uint32_t width, height;
  int bit_depth, color_type;
};

// The header chunk, read by hand: it must come first, right after the signature.
Ihdr ReadIhdr(std::string_view png) {
  EXPECT_GE(png.size(), 33u);
  EXPECT_EQ(png.substr(0, 8), std::string_view("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(BigEndian32(png, 8), 13u);  // IHDR data length
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  return {BigEndian32(png, 16), BigEndian32(png, 20), static_cast<unsigned char>(png[24]),
          static_cast<unsigned char>(png[25])};
}

// All pixels as 8-bit gray, decoded by libpng's simplified API.
struct Gray {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> pixels;
  uint8_t At(uint32_t x, uint32_t y) const { return pixels[size_t{y} * width + x]; }
};

Gray DecodePng(const std::string& png) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  Gray out;
  if (!png_image_begin_read_from_memory(&image, png.data(), png.size())) {
    ADD_FAILURE() << "libpng: " << image.message;
    return out;
  }
  image.format = PNG_FORMAT_GRAY;
  out.width = image.width;
  out.height = image.height;
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) {
    ADD_FAILURE() << "libpng: " << image.message;
    out.pixels.assign(size_t{out.width} * out.height, 0);
  }
  return out;
}

struct QrModules {
  int version = 0, width = 0;
  std::vector<bool> dark;
};

// What libqrencode itself draws for the text, to hold the picture against.
QrModules Expected(std::string_view text) {
  QRcode* qr =
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M);
  QrModules out;
  if (qr == nullptr) {
    ADD_FAILURE() << "libqrencode refused the text";
    return out;
  }
  out.version = qr->version;
  out.width = qr->width;
  for (int i = 0; i < qr->width * qr->width; ++i) out.dark.push_back((qr->data[i] & 1) != 0);
  QRcode_free(qr);
  return out;
}

TEST(QrPng, SizeFollowsVersionModuleAndMargin) {
  // Byte-mode capacities at level M: version 1 holds 14 bytes, 2 holds 26, 6 holds 106, 40 holds
  // 2331. A version-v symbol is 17 + 4v modules wide.
  struct Case {
    size_t bytes;
    int module_px, margin;
    int version;
  };
  static constexpr Case kCases[] = {
      {1, 8, 4, 1},   {14, 8, 4, 1}, {15, 8, 4, 2}, {100, 8, 4, 6},   {106, 8, 4, 6},
      {107, 8, 4, 7}, {14, 1, 0, 1}, {14, 3, 2, 1}, {2331, 1, 4, 40}, {2331, 2, 0, 40},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(testing::Message()
                 << c.bytes << " bytes, " << c.module_px << " px, margin " << c.margin);
    const std::string text(c.bytes, 'a');
    const std::string png = QrPng(text, c.module_px, c.margin);
    const Ihdr ihdr = ReadIhdr(png);
    const auto side = static_cast<uint32_t>((17 + 4 * c.version + 2 * c.margin) * c.module_px);
    EXPECT_EQ(ihdr.width, side);
    EXPECT_EQ(ihdr.height, side);
    EXPECT_EQ(ihdr.bit_depth, 1);
    EXPECT_EQ(ihdr.color_type, 0);  // grayscale
    EXPECT_EQ(Expected(text).version, c.version);
    EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");
  }
}

TEST(QrPng, DefaultsAreEightPixelModulesAndFourModuleMargin) {
  const Ihdr ihdr = ReadIhdr(QrPng("hello"));  // version 1: 21 modules
  EXPECT_EQ(ihdr.width, (21u + 8u) * 8u);
  EXPECT_EQ(ihdr.height, ihdr.width);
}

TEST(QrPng, PixelsAreTheModulesScaledInsideAWhiteMargin) {
  const std::string text = "https://shop.example.cn/join?invite=K7RM4QXZ";
  constexpr int kPx = 3, kMargin = 4;
  const QrModules qr = Expected(text);
  const Gray img = DecodePng(QrPng(text, kPx, kMargin));
  ASSERT_EQ(img.width, static_cast<uint32_t>((qr.width + 2 * kMargin) * kPx));
  ASSERT_EQ(img.height, img.width);
  size_t dark_pixels = 0;
  for (uint32_t y = 0; y < img.height; ++y) {
    for (uint32_t x = 0; x < img.width; ++x) {
      const int mx = static_cast<int>(x) / kPx - kMargin, my = static_cast<int>(y) / kPx - kMargin;
      const bool inside = mx >= 0 && my >= 0 && mx < qr.width && my < qr.width;
      const bool dark = inside && qr.dark[static_cast<size_t>(my * qr.width + mx)];
      const uint8_t v = img.At(x, y);
      ASSERT_EQ(v, dark ? 0 : 255) << "pixel " << x << "," << y;
      dark_pixels += dark;
    }
  }
  // The top-left finder pattern starts right after the margin: its outer ring is dark.
  EXPECT_EQ(img.At(kMargin * kPx, kMargin * kPx), 0);
  EXPECT_EQ(img.At(kMargin * kPx - 1, kMargin * kPx), 255);
  EXPECT_GT(dark_pixels, img.pixels.size() / 5);
}

TEST(QrPng, KeepsEveryByteOfTheText) {
  // 8-bit mode, not a C string: bytes after a NUL still change the symbol.
  using namespace std::string_literals;
  EXPECT_NE(QrPng("ab\0c"s), QrPng("ab\0d"s));
  EXPECT_NE(QrPng("ab\0c"s), QrPng("ab"));
}

TEST(QrPng, RefusesEmptyOversizedTextAndBadSizes) {
  EXPECT_THROW((void)QrPng(""), std::invalid_argument);
  EXPECT_NO_THROW((void)QrPng(std::string(2331, 'a'), 1, 0));
  EXPECT_THROW((void)QrPng(std::string(2332, 'a')), std::invalid_argument);
  EXPECT_THROW((void)QrPng(std::string(100'000, 'a')), std::invalid_argument);
  EXPECT_THROW((void)QrPng("x", 0, 4), std::invalid_argument);
  EXPECT_THROW((void)QrPng("x", -8, 4), std::invalid_argument);
  EXPECT_THROW((void)QrPng("x", kQrMaxModulePx + 1, 4), std::invalid_argument);
  EXPECT_THROW((void)QrPng("x", 8, -1), std::invalid_argument);
  EXPECT_THROW((void)QrPng("x", 8, kQrMaxMarginModules + 1), std::invalid_argument);
  EXPECT_NO_THROW((void)QrPng("x", kQrMaxModulePx, kQrMaxMarginModules));
}

// Reads a PNG back with zbarimg (Debian's zbar-tools, installed by scripts/install-deps).
TEST(QrPng, ZbarimgReadsBackTheText) {
  if (std::system("command -v zbarimg >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "zbarimg not installed (apt install zbar-tools)";
  }
  struct Case {
    std::string_view text;
    int module_px;
  };
  static constexpr Case kCases[] = {
      {"https://shop.example.cn/join?invite=K7RM4QXZ", 8},
      {"K7RM4QXZ", 2},
      {"https://shop.example.cn/i/4Nq_8vT-zP3kYb0wHj2sLm9cRx5dGe6aUf1oKi7tBnA", 4},
  };
  const std::filesystem::path dir =
      std::filesystem::path(testing::TempDir()) / ("guanxi_qr_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  int n = 0;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.text);
    const std::filesystem::path file = dir / ("qr" + std::to_string(n++) + ".png");
    {
      std::ofstream out(file, std::ios::binary);
      const std::string png = QrPng(c.text, c.module_px);
      out.write(png.data(), static_cast<std::streamsize>(png.size()));
      ASSERT_TRUE(out.good());
    }
    // stderr apart: zbarimg complains there when it finds no D-Bus, which is not our business.
    const std::filesystem::path errors = dir / "stderr.txt";
    const std::string command =
        "zbarimg --quiet --raw '" + file.string() + "' 2>'" + errors.string() + "'";
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buf[512];
    while (size_t got = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, got);
    const int status = pclose(pipe);
    std::ifstream err_in(errors);
    const std::string err((std::istreambuf_iterator<char>(err_in)), {});
    EXPECT_EQ(status, 0) << output << err;
    EXPECT_EQ(output, std::string(c.text) + "\n");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace guanxi::service
