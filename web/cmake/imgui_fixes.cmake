# Fixes for Dear ImGui 1.86 (Debian's source package), applied to a copy of
# imgui_draw.cpp in the build folder (never to the unpacked sources):
#   cjk_wrap_glue, cjk_wrap_after, one_char_word
#              word wrapping treated a run of Chinese characters as one word
#              (it breaks only at spaces and ASCII punctuation), so a
#              Chinese sentence after a space jumped to the next line whole
#              and a line broke anywhere. Here a line may break after any
#              CJK character except an opening bracket or quote, never
#              before a closing punctuation mark (，。、；：？！）」』”’》), and a
#              word of one character ends where it ends (before, the line
#              broke at the end of the last longer word, far too early).
# How the fixes are applied: cmake/source_fixes.cmake.
#
#   metalab_fix_imgui_draw(<input imgui_draw.cpp> <output imgui_draw.cpp>)
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/source_fixes.cmake)

function(metalab_fix_imgui_draw input output)
  set(old_cjk_wrap_glue [=[        else
        {
            word_width += char_width;
            if (inside_word)
            {
                word_end = next_s;
            }]=])
  set(new_cjk_wrap_glue [=[        else
        {
            // MetaLab (web/cmake/imgui_fixes.cmake): CJK closing punctuation stays with the character before it.
            if (!inside_word && (c == 0xFF0C || c == 0x3002 || c == 0x3001 || c == 0xFF1B || c == 0xFF1A || c == 0xFF1F ||
                                 c == 0xFF01 || c == 0xFF09 || c == 0x300D || c == 0x300F || c == 0x201D || c == 0x2019 ||
                                 c == 0x300B))
                inside_word = true;
            word_width += char_width;
            if (inside_word)
            {
                word_end = next_s;
            }]=])
  # A word of one character (every CJK character, now) never moved word_end,
  # so the line broke at the end of the last longer word, far too early.
  set(old_one_char_word [=[                prev_word_end = word_end;
                line_width += word_width + blank_width;
                word_width = blank_width = 0.0f;
            }]=])
  set(new_one_char_word [=[                prev_word_end = word_end;
                line_width += word_width + blank_width;
                word_width = blank_width = 0.0f;
                word_end = next_s;  // MetaLab: a one-character word ends here too
            }]=])
  set(old_cjk_wrap_after [=[            inside_word = (c != '.' && c != ',' && c != ';' && c != '!' && c != '?' && c != '\"');]=])
  set(new_cjk_wrap_after [=[            inside_word = (c != '.' && c != ',' && c != ';' && c != '!' && c != '?' && c != '\"');
            // MetaLab: and after a CJK character, unless it opens a bracket or quote.
            if (c >= 0x2E80 && c != 0xFF08 && c != 0x300C && c != 0x300E && c != 0x201C && c != 0x2018 && c != 0x300A)
                inside_word = false;]=])
  metalab_apply_source_fixes("${input}" "${output}" web/cmake/imgui_fixes.cmake cjk_wrap_glue cjk_wrap_after one_char_word)
endfunction()
