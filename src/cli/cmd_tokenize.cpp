// `hetspec tokenize model.gguf "text" [--chat] [--no-special] [--no-bos]`: the token ids and pieces
// of a text (or of a one-message chat prompt) with the model's own tokenizer, one token a line.
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hetspec/core/utf8.hpp"
#include "hetspec/model/chat_template.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"
#include "registry.hpp"

namespace {
struct Opts {
  std::string model, text;
  bool chat = false, no_special = false, no_bos = false, ids_only = false;
};
}  // namespace

static hetspec::cli::Registrar reg(
    "tokenize", "Print the token ids and pieces of a text with a GGUF model's tokenizer", [](CLI::App& app) {
      auto o = std::make_shared<Opts>();
      app.add_option("model", o->model, "GGUF file")->required();
      app.add_option("text", o->text, "Text to tokenize")->required();
      app.add_flag("--chat", o->chat, "Wrap the text as one user message in the model's chat template");
      app.add_flag("--no-special", o->no_special, "Tokenize special-token text (<|im_start|>) as plain text");
      app.add_flag("--no-bos", o->no_bos, "Do not add BOS/EOS even if the model asks for them");
      app.add_flag("--ids", o->ids_only, "Print only the ids, as a JSON list");
      return std::function<int()>([o] {
        const auto file = hetspec::GgufFile::open(o->model);
        const hetspec::Tokenizer tok = hetspec::tokenizer_from_gguf(file);
        std::string text = o->text;
        if (o->chat)
          text = hetspec::apply_chat_template(tok.chat_template(), {{"user", text}}, true,
                                              file.where("tokenizer.chat_template"));
        const auto ids = tok.encode(text, !o->no_bos, !o->no_special);
        if (o->ids_only) {
          std::cout << nlohmann::json(ids).dump() << "\n";
          return 0;
        }
        // Built whole, then printed: an error never leaves half a listing. A byte-level piece (part of
        // an emoji or a CJK character) is not UTF-8 on its own: its odd bytes print as \xNN.
        std::ostringstream out;
        out << "# " << tok.describe() << "\n# " << ids.size() << " tokens\n";
        for (int32_t id : ids) out << id << "\t" << hetspec::quote_bytes(tok.token_to_piece(id)) << "\n";
        std::cout << out.str();
        return 0;
      });
    });
