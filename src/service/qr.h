// QR codes as PNG images, for invite links members share (邀请二维码). libqrencode draws the
// symbol, libpng writes it to memory. Stateless: safe to call from many threads at once.
#pragma once

#include <string>
#include <string_view>

namespace guanxi::service {

inline constexpr int kQrMaxModulePx = 32;
inline constexpr int kQrMaxMarginModules = 16;

// The PNG file bytes of a QR code holding `text` byte for byte (8-bit mode, error correction
// level M, the smallest version that fits). The image is 1-bit grayscale, black modules on
// white, (modules + 2 * margin_modules) * module_px pixels square; keep the margin at 4 (the
// quiet zone the standard asks for) unless the page around it is white anyway.
// Throws std::invalid_argument if text is empty or longer than a QR code holds (2331 bytes at
// level M), or if module_px is outside [1, kQrMaxModulePx] or margin_modules outside
// [0, kQrMaxMarginModules]; std::runtime_error if libqrencode or libpng fail otherwise.
[[nodiscard]] std::string QrPng(std::string_view text, int module_px = 8, int margin_modules = 4);

}  // namespace guanxi::service
